import type { TopK } from "../core/types.ts";
import type { Csr } from "../data/csr.ts";
import { topK } from "../numeric/topk.ts";
import type { Recommender } from "./recommender.ts";

/** Users scored per call to scoreUsers: large enough to amortise, small enough to stay in cache (~2 MB at 8k items). */
const BATCH = 64;

/**
 * Top-k items for each user, best first, ties to the lower item index. Items in the user's row of
 * `exclude` (normally the training matrix) are never recommended.
 */
export function recommend(model: Recommender, users: Int32Array, k: number, exclude?: Csr): TopK {
  const n = model.itemCount;
  const ids = new Int32Array(users.length * k);
  const scores = new Float32Array(users.length * k);
  const block = new Float32Array(BATCH * n);
  for (let start = 0; start < users.length; start += BATCH) {
    const batch = users.subarray(start, Math.min(users.length, start + BATCH));
    const out = block.subarray(0, batch.length * n);
    model.scoreUsers(batch, out);
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
