import type { InteractionRow } from "../core/types.ts";
import { type Csr, csrWithSource, transpose } from "./csr.ts";
import { IdMap } from "./idmap.ts";

/** How a raw value (rating, play count) becomes a matrix value for implicit-feedback models. */
export type ValueTransform = "binary" | "log" | "raw";

export function transformValue(raw: number, how: ValueTransform): number {
  if (how === "binary") return 1;
  if (how === "log") return 1 + Math.log1p(raw);
  return raw;
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
