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
    return new Interactions(users, items, csr, Float64Array.from(source, (t) => rows[t].timestamp));
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
