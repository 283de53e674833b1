/**
 * Ranking metrics of protocol P1: pure functions of the relevant set and a ranked list (best first).
 * Ids are whatever the caller uses consistently (dense indices here); entries of `ranked` past k are ignored.
 */
export type Metric = (relevant: ReadonlySet<number>, ranked: ArrayLike<number>, k: number) => number;

function hits(relevant: ReadonlySet<number>, ranked: ArrayLike<number>, k: number): number {
  let h = 0;
  for (let r = 0; r < Math.min(k, ranked.length); r++) if (relevant.has(ranked[r])) h++;
  return h;
}

export const precision: Metric = (relevant, ranked, k) => hits(relevant, ranked, k) / k;

export const recall: Metric = (relevant, ranked, k) => (relevant.size === 0 ? 0 : hits(relevant, ranked, k) / relevant.size);

export const hitRate: Metric = (relevant, ranked, k) => (hits(relevant, ranked, k) > 0 ? 1 : 0);

export const mrr: Metric = (relevant, ranked, k) => {
  for (let r = 0; r < Math.min(k, ranked.length); r++) if (relevant.has(ranked[r])) return 1 / (r + 1);
  return 0;
};

/** Binary-relevance NDCG; the ideal list has min(|relevant|, k) hits at the top. */
export const ndcg: Metric = (relevant, ranked, k) => {
  let dcg = 0;
  for (let r = 0; r < Math.min(k, ranked.length); r++) if (relevant.has(ranked[r])) dcg += 1 / Math.log2(r + 2);
  let ideal = 0;
  for (let r = 0; r < Math.min(relevant.size, k); r++) ideal += 1 / Math.log2(r + 2);
  return ideal === 0 ? 0 : dcg / ideal;
};

/** The per-user metrics reported, by name stem; each is reported as `${stem}@${k}`. */
export const RANKING_METRICS: Readonly<Record<string, Metric>> = {
  precision,
  recall,
  ndcg,
  hit: hitRate,
  mrr,
};
