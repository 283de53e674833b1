import { describe, expect, it } from "vitest";
import { createDenseKernels, createLayerKernels } from "./dense-kernels-wasm.ts";
import { type LayerKernels, lastDropped, matmulReference, matmulTransAReference, matmulTransBReference } from "./dense-kernels.ts";
import { mulberry32 } from "./random.ts";
import { randomMatrix, relativeError } from "./test-helpers.ts";

/** A product written out as a triple sum in float64: the references' own reference. */
function naive(a: Float32Array, b: Float32Array, m: number, k: number, n: number, at: (x: Float32Array, r: number, c: number) => number, bt: (x: Float32Array, r: number, c: number) => number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) out[i * n + j] += at(a, i, p) * bt(b, p, j);
  return out;
}

// Shapes that hit every path of the kernel: blocks of 4 rows and 8 columns, and the tails of both (columns: a
// block of 4, the last 1-3 as an overlapping block of 4, or scalar below 4 columns).
const SHAPES: Array<[number, number, number]> = [[1, 1, 1], [3, 5, 7], [4, 8, 8], [9, 13, 17], [64, 64, 64], [37, 64, 130], [8, 5, 12], [5, 3, 14], [6, 2, 3], [12, 50, 50], [4, 50, 150]];

describe("dense kernels: TypeScript references", () => {
  it.each(SHAPES)("agree with the triple sum at %i x %i x %i", (m, k, n) => {
    const a = randomMatrix(m, k, m + k);
    const b = randomMatrix(k, n, k + n);
    const out = new Float32Array(m * n);
    matmulReference(a, b, out, m, k, n);
    expect(relativeError(out, Float32Array.from(naive(a, b, m, k, n, (x, r, c) => x[r * k + c], (x, r, c) => x[r * n + c])))).toBeLessThan(1e-5);
    const bt = randomMatrix(n, k, 3);
    matmulTransBReference(a, bt, out, m, k, n);
    expect(relativeError(out, Float32Array.from(naive(a, bt, m, k, n, (x, r, c) => x[r * k + c], (x, r, c) => x[c * k + r])))).toBeLessThan(1e-5);
    // A^T . B with A (k x m) gives m x n
    const at = randomMatrix(k, m, 4);
    const bb = randomMatrix(k, n, 5);
    matmulTransAReference(at, bb, out, k, m, n);
    expect(relativeError(out, Float32Array.from(naive(at, bb, m, k, n, (x, r, c) => x[c * m + r], (x, r, c) => x[r * n + c])))).toBeLessThan(1e-5);
  });
});

describe("dense kernels: WebAssembly SIMD against the TypeScript references", () => {
  const wasm = createDenseKernels();
  const ts = createDenseKernels("js");

  it("compiles here (Node)", () => {
    expect(wasm.label).toBe("wasm-simd");
    expect(ts.label).toBe("typescript (requested)");
  });

  for (const accumulate of [false, true]) {
    it.each(SHAPES)(`matmul, matmulTransB, matmulTransA agree at %i x %i x %i (accumulate ${accumulate})`, (m, k, n) => {
      const start = randomMatrix(Math.max(m, k), n, 9);
      const check = (run: (kern: typeof wasm, out: Float32Array) => void, size: number) => {
        const got = start.slice(0, size);
        const want = start.slice(0, size);
        run(wasm, got);
        run(ts, want);
        expect(relativeError(got, want)).toBeLessThan(1e-5);
      };
      const a = randomMatrix(m, k, 1);
      check((kern, out) => kern.matmul(a, randomMatrix(k, n, 2), out, m, k, n, accumulate), m * n);
      check((kern, out) => kern.matmulTransB(a, randomMatrix(n, k, 3), out, m, k, n, accumulate), m * n);
      check((kern, out) => kern.matmulTransA(a, randomMatrix(m, n, 4), out, m, k, n, accumulate), k * n);
    });
  }

  it.each([
    [6, 5, false],
    [37, 16, true],
    [512, 64, true],
    [130, 64, false],
  ])("inBatchSoftmax agrees (B=%i, d=%i, logQ and duplicate items %s)", (b, d, extras) => {
    const q = randomMatrix(b, d, b);
    const k = randomMatrix(b, d, b + 1);
    const o = {
      invTemperature: 10,
      ...(extras ? { logQ: randomMatrix(1, b, 5, 4).map((x) => x - 6), items: Int32Array.from({ length: b }, (_, i) => i % Math.max(2, b - 3)) } : {}),
    };
    const got = [new Float32Array(b * d), new Float32Array(b * d)];
    const want = [new Float32Array(b * d), new Float32Array(b * d)];
    const lossGot = wasm.inBatchSoftmax(q, k, b, d, o, got[0], got[1]);
    const lossWant = ts.inBatchSoftmax(q, k, b, d, o, want[0], want[1]);
    expect(Math.abs(lossGot - lossWant) / lossWant).toBeLessThan(1e-5);
    expect(relativeError(got[0], want[0])).toBeLessThan(1e-4);
    expect(relativeError(got[1], want[1])).toBeLessThan(1e-4);
  });

  it("grows its memory for larger products and keeps giving the same results", () => {
    for (const size of [8, 512, 16, 700]) {
      const a = randomMatrix(size, 64, size);
      const b = randomMatrix(size, 64, size + 1);
      const got = new Float32Array(size * size);
      const want = new Float32Array(size * size);
      wasm.matmulTransB(a, b, got, size, 64, size);
      ts.matmulTransB(a, b, want, size, 64, size);
      expect(relativeError(got, want)).toBeLessThan(1e-5);
    }
  });
});

describe("layer kernels: WebAssembly SIMD against the TypeScript references", () => {
  const wasm = createLayerKernels();
  const ts = createLayerKernels("js");

  it("compiles here (Node)", () => {
    expect(wasm.label).toBe("wasm-simd");
    expect(ts.label).toBe("typescript (requested)");
  });

  // Widths that hit the four-lane body, its tail, and both.
  it.each([
    [1, 1],
    [5, 3],
    [7, 4],
    [33, 50],
    [300, 64],
  ])("layer norm forward and backward give the reference's floats at %i rows x %i", (rows, d) => {
    const x = randomMatrix(rows, d, rows + d, 3);
    const gamma = randomMatrix(1, d, 2).map((v) => 1 + v);
    const beta = randomMatrix(1, d, 3);
    const outputs = (kern: LayerKernels) => {
      const y = new Float32Array(rows * d);
      const xhat = new Float32Array(rows * d);
      const inverseStd = new Float32Array(rows);
      kern.layerNormForward(x, rows, d, gamma, beta, 1e-5, y, xhat, inverseStd);
      const dx = new Float32Array(rows * d);
      // Gradients accumulate onto what is there.
      const gammaGrad = randomMatrix(1, d, 4);
      const betaGrad = randomMatrix(1, d, 5);
      kern.layerNormBackward(randomMatrix(rows, d, 6), xhat, inverseStd, rows, d, gamma, dx, gammaGrad, betaGrad);
      return { y, xhat, inverseStd, dx, gammaGrad, betaGrad };
    };
    // The same floats, not just close ones: the kernels keep the reference's f64 arithmetic and order.
    expect(outputs(wasm)).toEqual(outputs(ts));
  });

  // Lengths that hit the four-lane body and its tail; rates whose kept scale is and is not exact in f32.
  it.each([
    [1, 0.2],
    [7, 0.5],
    [1403, 0.2],
    [4096, 0.3],
  ])("dropout over %i entries at rate %f: the masks of mulberry32's draws from a state, and their products, exactly", (n, rate) => {
    const x = randomMatrix(1, n, n, 2);
    const state = mulberry32(n).skip(0);
    const run = (kern: LayerKernels) => {
      const y = new Float32Array(n);
      const mask = new Float32Array(n);
      kern.dropoutForward(x, n, state, rate, y, mask);
      const dx = new Float32Array(n);
      kern.dropoutBackward(y, mask, n, dx);
      return { y, mask, dx };
    };
    const got = run(wasm);
    const want = run(ts);
    expect(got).toEqual(want);
    // The reference decides as the draws would: dropped exactly where draw / 2^32 < rate.
    const next = mulberry32(n);
    const keep = Math.fround(1 / (1 - rate));
    expect(Array.from(want.mask)).toEqual(Array.from({ length: n }, () => (next() < rate ? 0 : keep)));
  });

  it.each([1, 6, 1403])("relu and its backward pass agree exactly over %i entries, -0 and NaN included", (n) => {
    const x = randomMatrix(1, n, n, 2);
    x[0] = -0;
    if (n > 2) x[2] = Number.NaN;
    const dy = randomMatrix(1, n, n + 1);
    const run = (kern: LayerKernels) => {
      const y = new Float32Array(n);
      kern.relu(x, n, y);
      const dx = new Float32Array(n);
      kern.reluBackward(y, dy, n, dx);
      return { y: Array.from(y), dx: Array.from(dx) };
    };
    const want = run(ts);
    expect(run(wasm)).toEqual(want);
    expect(want.y.every((v, i) => Object.is(v, x[i] > 0 ? x[i] : 0))).toBe(true);
  });

  it.each([
    [1, 1],
    [5, 7],
    [33, 50],
    [20, 150],
  ])("a bias's gradient (column sums added row by row) agrees exactly at %i x %i", (rows, cols) => {
    const a = randomMatrix(rows, cols, rows + cols);
    const run = (kern: LayerKernels) => {
      const out = randomMatrix(1, cols, 3);
      kern.addColumnSums(a, rows, cols, out);
      return Array.from(out);
    };
    expect(run(wasm)).toEqual(run(ts));
  });

  it("dropout's threshold is exact at the edges: a draw of exactly rate x 2^32 is kept, one below dropped", () => {
    expect(lastDropped(0.25)).toBe(2 ** 30 - 1);
    expect(lastDropped(0.2)).toBe(Math.floor(0.2 * 2 ** 32));
    expect(lastDropped(1 - 2 ** -53)).toBe(2 ** 32 - 1);
  });
});
