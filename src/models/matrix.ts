import type { Csr } from "../data/csr.ts";

/** A 0 x 0 matrix: what a model holds before fit. */
export const EMPTY_CSR: Csr = { rows: 0, cols: 0, indptr: new Int32Array(1), indices: new Int32Array(0), values: new Float32Array(0) };

/** Same rows and columns with every positive value set to 1; other entries dropped. The neighbourhood models and EASE look at who, not how much, as the reference does. */
export function binarise(m: Csr): Csr {
  const indptr = new Int32Array(m.rows + 1);
  const kept: number[] = [];
  for (let r = 0; r < m.rows; r++) {
    for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) if (m.values[p] > 0) kept.push(m.indices[p]);
    indptr[r + 1] = kept.length;
  }
  return { rows: m.rows, cols: m.cols, indptr, indices: Int32Array.from(kept), values: new Float32Array(kept.length).fill(1) };
}
