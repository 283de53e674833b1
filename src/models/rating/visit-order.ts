import type { Csr } from "../../data/csr.ts";

/** 0, 1, ..., n - 1. */
export function identityOrder(n: number): Int32Array {
  const order = new Int32Array(n);
  for (let k = 0; k < n; k++) order[k] = k;
  return order;
}

/**
 * Positions into `m.indices` / `m.values` with each row's run sorted by `timestamps` (aligned with
 * `m.indices`), ties by column: the order in which SGD visits a user's ratings when their times are known.
 */
export function entriesInTimeOrder(m: Csr, timestamps: Float64Array): Int32Array {
  const order = identityOrder(m.indices.length);
  // Within a row, positions ascend with the column, so breaking ties by position breaks them by item index.
  for (let r = 0; r < m.rows; r++) order.subarray(m.indptr[r], m.indptr[r + 1]).sort((a, b) => timestamps[a] - timestamps[b] || a - b);
  return order;
}
