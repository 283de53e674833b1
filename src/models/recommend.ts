import type { TopK } from "../core/types.ts";
import type { Csr } from "../data/csr.ts";
import { topK } from "../numeric/topk.ts";
import { type Recency, recencyIsOn, recencyWeightedRow } from "./recency.ts";
import type { Recommender } from "./recommender.ts";

/** Users scored per call to scoreUsers: large enough to amortise, small enough to stay in cache (~2 MB at 8k items). */
const BATCH = 64;

/** Known users' histories weighted by recency: each user is scored from their row of `matrix` as a fold-in. */
export interface RecencyScoring {
  matrix: Csr;
  /** Aligned with matrix.indices (Interactions.ages). */
  ages: Int32Array;
  recency: Recency;
}

/**
 * Top-k items for each user, best first, ties to the lower item index. Items in the user's row of
 * `exclude` (normally the training matrix) are never recommended. With `recency` on, each user is scored
 * through scoreHistory from their recency-weighted training row instead of the model's own user state.
 */
export function recommend(model: Recommender, users: Int32Array, k: number, exclude?: Csr, recency?: RecencyScoring): TopK {
  const n = model.itemCount;
  const ids = new Int32Array(users.length * k);
  const scores = new Float32Array(users.length * k);
  const block = new Float32Array(BATCH * n);
  const weighted = recency && recencyIsOn(recency.recency) ? recency : undefined;
  for (let start = 0; start < users.length; start += BATCH) {
    const batch = users.subarray(start, Math.min(users.length, start + BATCH));
    const out = block.subarray(0, batch.length * n);
    if (weighted) {
      for (let j = 0; j < batch.length; j++) model.scoreHistory(recencyWeightedRow(weighted.matrix, weighted.ages, batch[j], weighted.recency), out.subarray(j * n, (j + 1) * n));
    } else model.scoreUsers(batch, out);
    for (let j = 0; j < batch.length; j++) {
      const row = out.subarray(j * n, (j + 1) * n);
      if (exclude) maskRow(row, exclude, batch[j]);
      topK(row, k, ids, scores, (start + j) * k);
    }
  }
  return { k, ids, scores };
}

function maskRow(row: Float32Array, exclude: Csr, user: number): void {
  if (user >= exclude.rows) return;
  for (let p = exclude.indptr[user]; p < exclude.indptr[user + 1]; p++) row[exclude.indices[p]] = -Infinity;
}
