import { scoreRows } from "./als-kernels.ts";
import type { KernelChoice } from "./als-solver.ts";
import { type AlsWasmExports, alsWasm, paddedStride, WasmArena } from "./wasm.ts";

/** Dot products of query vectors with every item vector of a fixed item matrix. */
export interface FactorScorer {
  readonly label: string;
  /** out[j * itemCount + i] = rows_j . item_i for the first `count` rows (count x factors, row-major). */
  score(rows: Float32Array, count: number, out: Float32Array): void;
}

export function createFactorScorer(items: Float32Array, factors: number, kernels: KernelChoice = "auto"): FactorScorer {
  const itemCount = factors > 0 ? items.length / factors : 0;
  const wasm = kernels === "auto" ? alsWasm() : new Error("requested");
  if (wasm instanceof Error) {
    return {
      label: `typescript (${wasm.message})`,
      score: (rows, count, out) => scoreRows(rows, count, items, itemCount, factors, out),
    };
  }
  return new WasmFactorScorer(new WasmArena(wasm), items, itemCount, factors);
}

/** Query rows scored per kernel call: 64 x 8k items of output is 2 MB, about what stays in cache. */
const BLOCK = 64;

/**
 * Keeps the item factors transposed (factors x items) in wasm memory, so the kernel streams item columns
 * against a broadcast query factor: no horizontal sums, 8 items x 4 queries per step.
 */
class WasmFactorScorer implements FactorScorer {
  readonly label = "wasm-simd";
  private readonly kernels: AlsWasmExports;
  private readonly stride: number;
  /** itemCount rounded up to the kernel's 8-item blocks. */
  private readonly cols: number;
  private readonly vt: number;
  private readonly queries: Float32Array;
  private readonly queriesAt: number;
  private readonly scores: Float32Array;
  private readonly scoresAt: number;

  constructor(
    arena: WasmArena,
    items: Float32Array,
    private readonly itemCount: number,
    private readonly factors: number,
  ) {
    const s = (this.stride = paddedStride(factors));
    const cols = (this.cols = (itemCount + 7) & ~7);
    this.vt = arena.reserve(4 * s * cols);
    this.queriesAt = arena.reserve(4 * BLOCK * s);
    this.scoresAt = arena.reserve(4 * BLOCK * cols);
    this.kernels = arena.instantiate().kernels;
    const vt = arena.f32(this.vt, s * cols);
    for (let i = 0; i < itemCount; i++) {
      for (let d = 0; d < factors; d++) vt[d * cols + i] = items[i * factors + d];
    }
    this.queries = arena.f32(this.queriesAt, BLOCK * s);
    this.scores = arena.f32(this.scoresAt, BLOCK * cols);
  }

  score(rows: Float32Array, count: number, out: Float32Array): void {
    const { factors: f, stride: s, itemCount: n, cols } = this;
    for (let start = 0; start < count; start += BLOCK) {
      const size = Math.min(BLOCK, count - start);
      for (let j = 0; j < size; j++) this.queries.set(rows.subarray((start + j) * f, (start + j + 1) * f), j * s);
      this.kernels.scoreBlock(this.queriesAt, size, this.vt, cols, s, this.scoresAt);
      for (let j = 0; j < size; j++) out.set(this.scores.subarray(j * cols, j * cols + n), (start + j) * n);
    }
  }
}
