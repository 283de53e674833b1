import { afterEach, describe, expect, it } from "vitest";
import { setKernelPool } from "./kernel-pool.ts";
import { useWorkerThreads } from "./kernel-pool.node.ts";
import { mulberry32 } from "./random.ts";
import { randomMatrix } from "./test-helpers.ts";
import { createTrainingKernels } from "./training-kernels-wasm.ts";

/** Every kernel once on the training kernels made with `threads` threads; returns all their outputs. */
function runAll(threads: number): { label: string; outputs: Float32Array[]; loss: number } {
  useWorkerThreads(threads);
  const k = createTrainingKernels();
  const next = mulberry32(5);
  const width = 64;
  const tableRows = 2000;
  const table = k.allocate(tableRows * width);
  table.set(randomMatrix(tableRows, width, 1));
  const sizes = Array.from({ length: 300 }, () => Math.floor(next() * 30));
  const offsets = Int32Array.from([0, ...sizes.map(((s) => (a: number) => (s += a))(0))]);
  const ids = Int32Array.from({ length: offsets[300] }, () => Math.floor(next() * tableRows));
  const weights = Float32Array.from(ids, () => next());
  const select = Int32Array.from({ length: 256 }, () => Math.floor(next() * 300));
  const bags = { offsets, ids, weights };
  const sums = new Float32Array(256 * width);
  k.bagSum(table, width, bags, sums, 256, select);
  const grad = k.allocate(tableRows * width);
  k.bagScatter(grad, width, bags, randomMatrix(256, width, 2), 256, select);
  const [m, v] = [k.allocate(tableRows * width), k.allocate(tableRows * width)];
  const touched = Int32Array.from(new Set(ids));
  k.adam(table, grad, m, v, width, touched, touched.length, { beta1: 0.9, beta2: 0.999, stepSize: 1e-3, epsHat: 1e-8, decay: 1 });
  const x = randomMatrix(512, 64, 3);
  const w = randomMatrix(64, 128, 4);
  const y = new Float32Array(512 * 128);
  k.matmul(x, w, y, 512, 64, 128);
  const dx = new Float32Array(512 * 64);
  k.matmulTransB(y, w, dx, 512, 128, 64);
  const dw = new Float32Array(64 * 128);
  k.matmulTransA(x, y, dw, 512, 64, 128);
  const gq = new Float32Array(512 * 64);
  const gk = new Float32Array(512 * 64);
  const items = Int32Array.from({ length: 512 }, () => Math.floor(next() * 400));
  const loss = k.inBatchSoftmax(x, randomMatrix(512, 64, 5), 512, 64, { invTemperature: 10, logQ: randomMatrix(1, 512, 6), items }, gq, gk);
  return { label: k.label, outputs: [sums, grad, table, m, v, y, dx, dw, gq, gk], loss };
}

describe("training kernels on worker threads", () => {
  afterEach(() => setKernelPool(undefined));

  it("give bit-identical outputs with 1 and 2 threads", () => {
    const one = runAll(1);
    const two = runAll(2);
    expect(one.label).toBe("wasm-simd, 1 thread");
    expect(two.label).toBe("wasm-simd, 2 threads");
    const bytes = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
    expect(two.loss).toBe(one.loss);
    two.outputs.forEach((out, i) => expect(bytes(out).equals(bytes(one.outputs[i])), `output ${i}`).toBe(true));
  });
});
