import type { InteractionRow } from "../core/types.ts";
import { type Csr, csrWithSource, transpose } from "./csr.ts";
import { IdMap } from "./idmap.ts";

/**
 * How a raw value (rating, play count) becomes a matrix value for implicit-feedback models. "bm25" looks at the
 * whole matrix (see bm25Weight), so per value it passes the raw value through.
 */
export type ValueTransform = "binary" | "log" | "bm25" | "raw";

export function transformValue(raw: number, how: ValueTransform): number {
  if (how === "binary") return 1;
  if (how === "log") return 1 + Math.log1p(raw);
  return raw;
}

/** BM25's saturation and length normalisation, as the `implicit` library's bm25_weight defaults. */
export const BM25_K1 = 100;
export const BM25_B = 0.8;

/**
 * BM25 weighting of a user x item matrix of counts, in place (as `implicit`'s bm25_weight): an entry v of user u
 * and item i becomes v (K1 + 1) / (K1 norm_u + v) * idf_i, with norm_u = (1 - B) + B * |u| / mean |u| (|u| the
 * user's summed values, mean over users with any) and idf_i = ln(1 + (N - df_i + 0.5) / (df_i + 0.5)) (N users
 * with any entry, df_i the item's users). This idf is Lucene's: unlike ln(N / (1 + df)) it stays positive for an
 * item everybody has, so no entry is dropped by models that keep only positive values.
 */
export function bm25Weight(m: Csr, k1 = BM25_K1, b = BM25_B): void {
  const df = new Int32Array(m.cols);
  for (let p = 0; p < m.indices.length; p++) df[m.indices[p]]++;
  const rowSums = new Float64Array(m.rows);
  let active = 0;
  let total = 0;
  for (let r = 0; r < m.rows; r++) {
    for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) rowSums[r] += m.values[p];
    if (m.indptr[r + 1] > m.indptr[r]) {
      active++;
      total += rowSums[r];
    }
  }
  const meanLength = active > 0 ? total / active : 1;
  for (let r = 0; r < m.rows; r++) {
    const norm = (1 - b) + (b * rowSums[r]) / meanLength;
    for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) {
      const v = m.values[p];
      const idf = Math.log(1 + (active - df[m.indices[p]] + 0.5) / (df[m.indices[p]] + 0.5));
      m.values[p] = ((v * (k1 + 1)) / (k1 * norm + v)) * idf;
    }
  }
}

/**
 * A user x item matrix with the id maps that name its rows and columns. The transpose (item x user) is
 * built on first use and kept.
 */
export class Interactions {
  private itemMajor?: Csr;

  constructor(
    readonly users: IdMap,
    readonly items: IdMap,
    readonly matrix: Csr,
    /** Timestamp of each stored entry, aligned with matrix.indices (the latest one for summed duplicates). */
    readonly timestamps?: Float64Array,
    /**
     * Age of each stored entry, aligned with matrix.indices: how many of the user's entries are newer
     * (0 = the newest), by timestamp with ties to the later input row. What recency weighting reads.
     */
    readonly ages?: Int32Array,
  ) {}

  /**
   * Ids are dense in order of first appearance in `rows`, the tie-break order of protocol P1.
   * `extraUsers` are registered after (users with test rows only) and get empty rows.
   */
  static fromRows(rows: readonly InteractionRow[], how: ValueTransform = "binary", extraUsers: Iterable<string> = []): Interactions {
    const users = new IdMap();
    const items = new IdMap();
    const r = new Int32Array(rows.length);
    const c = new Int32Array(rows.length);
    const v = new Float32Array(rows.length);
    rows.forEach((row, t) => {
      r[t] = users.add(row.user);
      c[t] = items.add(row.item);
      v[t] = transformValue(row.value, how);
    });
    for (const u of extraUsers) users.add(u);
    const { csr, source } = csrWithSource(users.size, items.size, r, c, v);
    if (how === "bm25") bm25Weight(csr);
    const timestamps = Float64Array.from(source, (t) => rows[t].timestamp);
    return new Interactions(users, items, csr, timestamps, entryAges(csr, timestamps, source));
  }

  get userCount(): number {
    return this.matrix.rows;
  }

  get itemCount(): number {
    return this.matrix.cols;
  }

  /** Item x user view of the same data. */
  get byItem(): Csr {
    this.itemMajor ??= transpose(this.matrix);
    return this.itemMajor;
  }
}

/** Per entry, how many entries of its row are newer: by time, ties to the later source row (input order). */
export function entryAges(m: Csr, timestamps: Float64Array, source: Int32Array): Int32Array {
  const ages = new Int32Array(m.indices.length);
  const order: number[] = [];
  for (let r = 0; r < m.rows; r++) {
    const start = m.indptr[r];
    const end = m.indptr[r + 1];
    order.length = 0;
    for (let p = start; p < end; p++) order.push(p);
    order.sort((a, b) => timestamps[a] - timestamps[b] || source[a] - source[b]);
    for (let q = 0; q < order.length; q++) ages[order[q]] = order.length - 1 - q;
  }
  return ages;
}
