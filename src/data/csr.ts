/**
 * Compressed sparse rows on typed arrays. Row r holds columns indices[indptr[r] .. indptr[r+1]) in ascending
 * order with their values. This is the layout every model reads.
 */
export interface Csr {
  readonly rows: number;
  readonly cols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/** Builds a CSR from coordinate triplets; duplicate (row, col) pairs are summed. */
export function csrFromCoo(rows: number, cols: number, r: ArrayLike<number>, c: ArrayLike<number>, v: ArrayLike<number>): Csr {
  return csrWithSource(rows, cols, r, c, v).csr;
}

/**
 * csrFromCoo that also says, for each stored entry, which input triplet it came from (the last one when
 * duplicates were summed), so callers can carry per-entry data such as timestamps along.
 */
export function csrWithSource(
  rows: number,
  cols: number,
  r: ArrayLike<number>,
  c: ArrayLike<number>,
  v: ArrayLike<number>,
): { csr: Csr; source: Int32Array } {
  const n = r.length;
  const counts = new Int32Array(rows + 1);
  for (let t = 0; t < n; t++) counts[r[t] + 1]++;
  for (let i = 0; i < rows; i++) counts[i + 1] += counts[i];
  const fill = counts.slice(0, rows);
  const idx = new Int32Array(n);
  const val = new Float32Array(n);
  const src = new Int32Array(n);
  for (let t = 0; t < n; t++) {
    const p = fill[r[t]]++;
    idx[p] = c[t];
    val[p] = v[t];
    src[p] = t;
  }
  return compactRows(rows, cols, counts, idx, val, src);
}

/** Sorts each row by column and sums duplicates. */
function compactRows(rows: number, cols: number, indptr: Int32Array, idx: Int32Array, val: Float32Array, src: Int32Array): { csr: Csr; source: Int32Array } {
  const outPtr = new Int32Array(rows + 1);
  const outIdx = new Int32Array(idx.length);
  const outVal = new Float32Array(idx.length);
  const outSrc = new Int32Array(idx.length);
  let w = 0;
  const order: number[] = [];
  for (let row = 0; row < rows; row++) {
    const start = indptr[row];
    const end = indptr[row + 1];
    order.length = 0;
    for (let p = start; p < end; p++) order.push(p);
    order.sort((a, b) => idx[a] - idx[b]);
    for (let q = 0; q < order.length; q++) {
      const p = order[q];
      if (w > outPtr[row] && outIdx[w - 1] === idx[p]) {
        outVal[w - 1] += val[p];
        outSrc[w - 1] = Math.max(outSrc[w - 1], src[p]);
      } else {
        outIdx[w] = idx[p];
        outVal[w] = val[p];
        outSrc[w] = src[p];
        w++;
      }
    }
    outPtr[row + 1] = w;
  }
  return { csr: { rows, cols, indptr: outPtr, indices: outIdx.slice(0, w), values: outVal.slice(0, w) }, source: outSrc.slice(0, w) };
}

export function transpose(m: Csr): Csr {
  const counts = new Int32Array(m.cols + 1);
  for (let p = 0; p < m.indices.length; p++) counts[m.indices[p] + 1]++;
  for (let i = 0; i < m.cols; i++) counts[i + 1] += counts[i];
  const fill = counts.slice(0, m.cols);
  const idx = new Int32Array(m.indices.length);
  const val = new Float32Array(m.indices.length);
  // Rows are visited in order, so each transposed row comes out sorted.
  for (let row = 0; row < m.rows; row++) {
    for (let p = m.indptr[row]; p < m.indptr[row + 1]; p++) {
      const q = fill[m.indices[p]]++;
      idx[q] = row;
      val[q] = m.values[p];
    }
  }
  return { rows: m.cols, cols: m.rows, indptr: counts, indices: idx, values: val };
}

export function rowNnz(m: Csr, row: number): number {
  return m.indptr[row + 1] - m.indptr[row];
}
