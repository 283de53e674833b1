import type { Interactions } from "../data/interactions.ts";
import { kernelPool, setKernelPool } from "../numeric/kernel-pool.ts";
import { useWorkerThreads } from "../numeric/kernel-pool.node.ts";
import { AlsRecommender, alsSpec } from "./als.ts";
import { resolveParams } from "./spec.ts";

export interface AlsFitTiming {
  /** What ran, as the model reports it: "typescript (requested)", "wasm-simd, 1 thread", "wasm-simd, 2 threads". */
  kernels: string;
  runs: number;
  fit_s_median: number;
  fit_s_min: number;
}

export interface AlsBenchOptions {
  /** Timed fits per WebAssembly setting, after one untimed warm-up. */
  runs?: number;
  /** Timed fits of the TypeScript reference kernels (slow: seconds each); 0 skips them. */
  typescriptRuns?: number;
  /** Thread count of the parallel setting. */
  threads?: number;
}

/**
 * Fit times of ALS with the TypeScript reference kernels, WebAssembly SIMD on one thread, and WebAssembly on
 * `threads` worker threads, on `data` (default parameters: implicit's benchmark configuration). Prints nothing;
 * the previously registered thread pool is registered again afterwards. Minimums say most on a shared machine.
 */
export async function benchAlsKernels(
  data: Interactions,
  overrides: Record<string, number> = { factors: 64, reg: 10, alpha: 1, iterations: 15 },
  opts: AlsBenchOptions = {},
): Promise<AlsFitTiming[]> {
  const { runs = 5, typescriptRuns = 1, threads = 2 } = opts;
  const params = resolveParams(alsSpec, overrides);
  const previous = kernelPool();
  const timings: AlsFitTiming[] = [];
  try {
    if (typescriptRuns > 0) timings.push(await timeFits(data, () => new AlsRecommender(params, { kernels: "js" }), typescriptRuns, false));
    for (const t of [1, threads]) {
      useWorkerThreads(t);
      timings.push(await timeFits(data, () => new AlsRecommender(params), runs, true));
    }
  } finally {
    setKernelPool(previous);
  }
  return timings;
}

async function timeFits(data: Interactions, create: () => AlsRecommender, runs: number, warmUp: boolean): Promise<AlsFitTiming> {
  if (warmUp) await create().fit(data);
  const seconds: number[] = [];
  let kernels = "";
  for (let run = 0; run < runs; run++) {
    const model = create();
    const t0 = performance.now();
    await model.fit(data);
    seconds.push((performance.now() - t0) / 1000);
    kernels = model.kernelsUsed;
  }
  seconds.sort((a, b) => a - b);
  return { kernels, runs, fit_s_median: seconds[Math.floor(runs / 2)], fit_s_min: seconds[0] };
}
