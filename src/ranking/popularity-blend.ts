import { orderByScore, plainRanking, rankScore } from "./order.ts";
import type { Candidate, Ranker } from "./types.ts";

/**
 * (1 - weight) * retrieval-rank score + weight * popularity-rank score, both ranks taken within the
 * candidate set so neither score's scale matters. weight in [0, 1]: 0 keeps retrieval order, 1 sorts the
 * candidates by popularity. A candidate without a popularity counts as never seen.
 */
export function popularityBlendRanker(weight: number): Ranker {
  return {
    name: "popularity-blend",
    rank: async (_ctx, candidates: readonly Candidate[]) => {
      const n = candidates.length;
      const byPopularity = orderByScore(candidates.map((c) => c.popularity ?? 0)).order;
      const popularityRank = new Array<number>(n);
      byPopularity.forEach((i, r) => (popularityRank[i] = r));
      const blended = candidates.map((_, i) => (1 - weight) * rankScore(i, n) + weight * rankScore(popularityRank[i], n));
      return plainRanking(orderByScore(blended), { ranker: "popularity-blend" });
    },
  };
}
