import { afterAll, vi } from "vitest";
import type { SparseRows } from "./als-kernels.ts";
import { mulberry32, uniformArray } from "./random.ts";

/** A random sparse matrix (each entry present with probability `density`, value in [1, 3)) for kernel tests. */
export function randomSparse(rows: number, cols: number, density: number, seed: number): SparseRows & { rows: number; cols: number } {
  const next = mulberry32(seed);
  const indptr = new Int32Array(rows + 1);
  const indices: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (next() < density) {
        indices.push(c);
        values.push(1 + 2 * next());
      }
    }
    indptr[r + 1] = indices.length;
  }
  return { rows, cols, indptr, indices: Int32Array.from(indices), values: Float32Array.from(values) };
}

/** The transpose of a SparseRows with `cols` columns. */
export function transposeRows(m: SparseRows & { rows: number; cols: number }): SparseRows & { rows: number; cols: number } {
  const entries: Array<[number, number, number]> = [];
  for (let r = 0; r < m.rows; r++) for (let e = m.indptr[r]; e < m.indptr[r + 1]; e++) entries.push([m.indices[e], r, m.values[e]]);
  entries.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const indptr = new Int32Array(m.cols + 1);
  for (const [c] of entries) indptr[c + 1]++;
  for (let c = 0; c < m.cols; c++) indptr[c + 1] += indptr[c];
  return {
    rows: m.cols,
    cols: m.rows,
    indptr,
    indices: Int32Array.from(entries, (e) => e[1]),
    values: Float32Array.from(entries, (e) => e[2]),
  };
}

export function randomMatrix(rows: number, cols: number, seed: number, scale = 1): Float32Array {
  const next = mulberry32(seed);
  return uniformArray(rows * cols, scale, next).map((x) => x - scale / 2);
}

/** Largest |a_i - b_i| relative to the largest |b_i|. */
export function relativeError(a: Float32Array, b: Float32Array): number {
  let err = 0;
  let size = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    size = Math.max(size, Math.abs(b[i]));
  }
  return size > 0 ? err / size : err;
}

/**
 * Makes WebAssembly refuse to compile, as Cloudflare workerd does for bytes at run time, until the test file ends;
 * returns the refusal's message. Each test file gets fresh modules, so a kernel module's compiled-module cache
 * first sees the refusal there.
 */
export function refuseWasmCompilation(): string {
  const refusal = "Wasm code generation disallowed by embedder";
  vi.stubGlobal("WebAssembly", {
    Module: class {
      constructor() {
        throw new Error(refusal);
      }
    },
  });
  afterAll(() => vi.unstubAllGlobals());
  return refusal;
}
