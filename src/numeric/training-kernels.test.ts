import { describe, expect, it } from "vitest";
import { inBatchSoftmaxReference, matmulReference, matmulTransAReference, matmulTransBReference } from "./dense-kernels.ts";
import { mulberry32 } from "./random.ts";
import { randomMatrix, relativeError } from "./test-helpers.ts";
import { adamReference, bagScatterReference, bagSumReference, type SparseBags, type TrainingKernels } from "./training-kernels.ts";
import { createTrainingKernels } from "./training-kernels-wasm.ts";

/** `rows` bags of 0..maxSize entries over a table of `tableRows` rows, with weights. */
function randomBags(rows: number, tableRows: number, maxSize: number, seed: number): Required<SparseBags> {
  const next = mulberry32(seed);
  const offsets = new Int32Array(rows + 1);
  const ids: number[] = [];
  const weights: number[] = [];
  for (let r = 0; r < rows; r++) {
    const size = Math.floor(next() * (maxSize + 1));
    for (let e = 0; e < size; e++) {
      ids.push(Math.floor(next() * tableRows));
      weights.push(next() - 0.3);
    }
    offsets[r + 1] = ids.length;
  }
  return { offsets, ids: Int32Array.from(ids), weights: Float32Array.from(weights) };
}

/** A copy of `values` in the kernels' own memory. */
function placed(kernels: TrainingKernels, values: Float32Array): Float32Array {
  const out = kernels.allocate(values.length);
  out.set(values);
  return out;
}

const ADAM = { beta1: 0.9, beta2: 0.999, stepSize: 1e-2, epsHat: 1e-8, decay: 1 - 1e-4 };

describe("training kernels: WebAssembly SIMD against the TypeScript references", () => {
  const wasm = createTrainingKernels();

  it("compiles here (Node) and works on arrays in its memory", () => {
    expect(wasm.label).toBe("wasm-simd, 1 thread");
    expect(createTrainingKernels("js").label).toBe("typescript (requested)");
    const a = wasm.allocate(8);
    const b = wasm.allocate(8);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(b.byteOffset).toBeGreaterThanOrEqual(a.byteOffset + 32);
    const kept = wasm.keep(Int32Array.of(4, 5, 6));
    expect(kept).toBeInstanceOf(Int32Array);
    expect(kept.buffer).toBe(a.buffer);
    expect(Array.from(kept)).toEqual([4, 5, 6]);
  });

  // Widths that hit the 64-byte blocks, single vectors and the scalar tail.
  it.each([64, 20, 7])("bag sums and their scatter-add agree at width %i (weighted bags, selected bags, plain lookups)", (width) => {
    const tableRows = 300;
    const table = placed(wasm, randomMatrix(tableRows, width, width));
    const bags = randomBags(40, tableRows, 25, width + 1);
    const select = Int32Array.from({ length: 33 }, (_, r) => (r * 7) % 40);
    const lookups: SparseBags = { ids: Int32Array.from({ length: 50 }, (_, r) => (r * 13) % tableRows) };
    for (const [b, rows, sel] of [[bags, 40, undefined], [bags, 33, select], [lookups, 50, undefined]] as const) {
      const got = new Float32Array(rows * width).fill(9);
      const want = new Float32Array(rows * width);
      wasm.bagSum(table, width, b, got, rows, sel);
      bagSumReference(table, width, b, want, rows, sel);
      expect(relativeError(got, want)).toBeLessThan(1e-6);
      const gradOut = randomMatrix(rows, width, 5);
      const grad = placed(wasm, randomMatrix(tableRows, width, 6));
      const gradWant = Float32Array.from(grad);
      wasm.bagScatter(grad, width, b, gradOut, rows, sel);
      bagScatterReference(gradWant, width, b, gradOut, rows, sel);
      expect(relativeError(grad, gradWant)).toBeLessThan(1e-6);
    }
  });

  it.each([64, 7])("Adam agrees on touched rows and on whole parameters (width %i), and zeroes the gradient", (width) => {
    const rows = 50;
    const start = [randomMatrix(rows, width, 1), randomMatrix(rows, width, 2, 0.1), randomMatrix(rows, width, 3, 0.1), randomMatrix(rows, width, 4, 0.01)];
    start[3] = start[3].map(Math.abs);
    for (const touched of [Int32Array.of(3, 17, 0, 49), undefined]) {
      const [value, grad, m, v] = start.map((x) => placed(wasm, x));
      const [rv, rg, rm, rvv] = start.map((x) => Float32Array.from(x));
      for (let t = 0; t < 3; t++) {
        grad.set(start[1]);
        rg.set(start[1]);
        wasm.adam(value, grad, m, v, width, touched, touched?.length ?? 0, ADAM);
        adamReference(rv, rg, rm, rvv, width, touched, touched?.length ?? 0, ADAM);
      }
      // float32 arithmetic against the references' float64
      expect(relativeError(value, rv)).toBeLessThan(1e-5);
      expect(relativeError(m, rm)).toBeLessThan(1e-5);
      expect(relativeError(v, rvv)).toBeLessThan(1e-5);
      if (touched) for (const r of touched) expect(grad.subarray(r * width, (r + 1) * width).every((g) => g === 0)).toBe(true);
      else expect(grad.every((g) => g === 0)).toBe(true);
    }
  });

  it.each([[37, 64, 130], [512, 64, 128], [5, 3, 2]])("products agree at %i x %i x %i, in place or copied", (m, k, n) => {
    const a = randomMatrix(m, k, 1);
    const b = randomMatrix(k, n, 2);
    const bt = randomMatrix(n, k, 3);
    const at = randomMatrix(k, m, 4);
    const bb = randomMatrix(k, n, 5);
    const want = new Float32Array(m * n);
    const got = new Float32Array(m * n);
    matmulReference(a, b, want, m, k, n);
    wasm.matmul(placed(wasm, a), b, got, m, k, n);
    expect(relativeError(got, want)).toBeLessThan(1e-5);
    matmulTransBReference(a, bt, want, m, k, n, true);
    wasm.matmulTransB(a, bt, got, m, k, n, true);
    expect(relativeError(got, want)).toBeLessThan(1e-5);
    matmulTransAReference(at, bb, want, k, m, n);
    const inPlace = placed(wasm, got);
    wasm.matmulTransA(at, bb, inPlace, k, m, n);
    expect(relativeError(inPlace, want)).toBeLessThan(1e-5);
  });

  it("the in-batch softmax agrees, with logQ and masked duplicates", () => {
    const b = 70;
    const d = 16;
    const q = randomMatrix(b, d, 1);
    const k = randomMatrix(b, d, 2);
    const o = { invTemperature: 5, logQ: randomMatrix(1, b, 3), items: Int32Array.from({ length: b }, (_, i) => i % 50) };
    const [gq, gk, wq, wk] = [0, 1, 2, 3].map(() => new Float32Array(b * d));
    const loss = wasm.inBatchSoftmax(q, k, b, d, o, gq, gk);
    const want = inBatchSoftmaxReference(q, k, b, d, o, wq, wk);
    expect(loss).toBeCloseTo(want, 5);
    expect(relativeError(gq, wq)).toBeLessThan(1e-5);
    expect(relativeError(gk, wk)).toBeLessThan(1e-5);
  });

  it("leaves a table it does not hold to the references", () => {
    const table = randomMatrix(10, 4, 1);
    const bags = randomBags(5, 10, 4, 2);
    const got = new Float32Array(20);
    const want = new Float32Array(20);
    wasm.bagSum(table, 4, bags, got, 5);
    bagSumReference(table, 4, bags, want, 5);
    expect(Array.from(got)).toEqual(Array.from(want));
  });
});
