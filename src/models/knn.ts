import { type Csr, transpose } from "../data/csr.ts";
import { topK } from "../numeric/topk.ts";

/**
 * Shared pieces of the neighbourhood models (item-kNN, user-kNN): cosine similarity between the rows of a
 * binary matrix, computed one row at a time through the transpose so no dense n x n matrix ever exists,
 * and pruning each row to its nearest neighbours.
 */

/** The 1e-9 the reference adds to every norm, as numpy adds it to a float32 array (it only matters for empty rows). */
const NORM_EPSILON = Math.fround(1e-9);

/** One similarity query's answer: `ids[0..count)` with their cosines, in no particular order. Overwritten by the next query. */
export interface SparseRow {
  count: number;
  readonly ids: Int32Array;
  readonly values: Float32Array;
}

/**
 * Cosine similarity of a weighted feature vector with every row of a binary matrix (rows are the entities:
 * items for item-kNN, users for user-kNN). Arithmetic follows the float32 reference (reference_p1.py):
 * norms are float32 sqrt(count) + 1e-9, and cos = dot / (norm_a * norm_b) with each step rounded to float32.
 */
export class CosineIndex {
  readonly norms: Float32Array;
  private readonly byFeature: Csr;
  private readonly dots: Float64Array;
  private readonly stamp: Int32Array;
  private query = 0;
  private readonly result: SparseRow;

  /**
   * `rows` must be binary (see binarise). `shrink` > 0 divides by |a||b| + shrink instead of |a||b|, pulling
   * similarities that rest on few shared features towards zero (0 gives the reference's plain cosine).
   */
  constructor(
    readonly rows: Csr,
    private readonly shrink = 0,
  ) {
    this.byFeature = transpose(rows);
    this.norms = new Float32Array(rows.rows);
    for (let r = 0; r < rows.rows; r++) this.norms[r] = Math.fround(Math.fround(Math.sqrt(rows.indptr[r + 1] - rows.indptr[r])) + NORM_EPSILON);
    this.dots = new Float64Array(rows.rows);
    this.stamp = new Int32Array(rows.rows);
    this.result = { count: 0, ids: new Int32Array(rows.rows), values: new Float32Array(rows.rows) };
  }

  get size(): number {
    return this.rows.rows;
  }

  /** Cosines of row `r` with every row sharing a feature with it (row `r` itself included). */
  similarToRow(r: number): SparseRow {
    const { indptr, indices, values } = this.rows;
    return this.similarTo(indices.subarray(indptr[r], indptr[r + 1]), values.subarray(indptr[r], indptr[r + 1]));
  }

  /** Cosines of the vector with `weights[t]` at feature `features[t]` (a history) with every row sharing a feature with it. */
  similarTo(features: ArrayLike<number>, weights: ArrayLike<number>): SparseRow {
    // A fresh stamp per query marks which dots are live, so nothing dense is cleared between queries.
    const stamp = ++this.query;
    const { indptr, indices } = this.byFeature;
    const out = this.result;
    out.count = 0;
    let squares = 0;
    for (let t = 0; t < features.length; t++) {
      const f = features[t];
      const w = weights[t];
      squares += w * w;
      for (let p = indptr[f]; p < indptr[f + 1]; p++) {
        const e = indices[p];
        if (this.stamp[e] !== stamp) {
          this.stamp[e] = stamp;
          this.dots[e] = 0;
          out.ids[out.count++] = e;
        }
        this.dots[e] += w;
      }
    }
    const norm = Math.fround(Math.fround(Math.sqrt(squares)) + NORM_EPSILON);
    for (let t = 0; t < out.count; t++) {
      const e = out.ids[t];
      const denominator = Math.fround(norm * this.norms[e]);
      out.values[t] = Math.fround(this.dots[e] / (this.shrink === 0 ? denominator : denominator + this.shrink));
    }
    return out;
  }
}

/**
 * Keeps, in place, the entries of `row` whose value is at least the `keep`-th largest of the row, ties kept,
 * after dropping `self` (the entity's own index, or -1) and zeros. Leaves the kept ids ascending.
 */
export function pruneRow(row: SparseRow, keep: number, self: number): void {
  let n = 0;
  for (let t = 0; t < row.count; t++) {
    if (row.ids[t] === self || row.values[t] === 0) continue;
    row.ids[n] = row.ids[t];
    row.values[n++] = row.values[t];
  }
  row.count = n;
  if (n <= keep) return sortById(row);
  const bestIds = new Int32Array(keep);
  const best = new Float32Array(keep);
  topK(row.values.subarray(0, n), keep, bestIds, best);
  const threshold = best[keep - 1];
  let w = 0;
  for (let t = 0; t < n; t++) {
    if (row.values[t] < threshold) continue;
    row.ids[w] = row.ids[t];
    row.values[w++] = row.values[t];
  }
  row.count = w;
  sortById(row);
}

function sortById(row: SparseRow): void {
  const order = Array.from({ length: row.count }, (_, t) => t).sort((a, b) => row.ids[a] - row.ids[b]);
  const ids = order.map((t) => row.ids[t]);
  const values = order.map((t) => row.values[t]);
  row.ids.set(ids);
  row.values.set(values);
}

/**
 * For every row of the index, its cosine neighbours pruned by pruneRow(keep), itself excluded: a sparse
 * entity x entity similarity matrix, built one row at a time.
 */
export function cosineNeighbours(index: CosineIndex, keep: number): Csr {
  const n = index.size;
  const indptr = new Int32Array(n + 1);
  let ids = new Int32Array(Math.max(16, n * Math.min(keep, n)));
  let values = new Float32Array(ids.length);
  let size = 0;
  for (let r = 0; r < n; r++) {
    const row = index.similarToRow(r);
    pruneRow(row, keep, r);
    if (size + row.count > ids.length) {
      // Ties can keep more than `keep` per row; grow geometrically.
      const capacity = Math.max(2 * ids.length, size + row.count);
      ids = grow(ids, new Int32Array(capacity));
      values = grow(values, new Float32Array(capacity));
    }
    ids.set(row.ids.subarray(0, row.count), size);
    values.set(row.values.subarray(0, row.count), size);
    size += row.count;
    indptr[r + 1] = size;
  }
  return { rows: n, cols: n, indptr, indices: ids.slice(0, size), values: values.slice(0, size) };
}

function grow<T extends Int32Array | Float32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** out += weight * row `r` of `m` (scattered into the dense `out`). */
export function addScaledRow(m: Csr, r: number, weight: number, out: Float32Array): void {
  for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) out[m.indices[p]] += weight * m.values[p];
}
