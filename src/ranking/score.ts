import { plainRanking } from "./order.ts";
import type { Candidate, Ranker, Ranking } from "./types.ts";

/** The retrieval order itself: what every other ranker is measured against and falls back to. */
export function retrievalRanking(candidates: readonly Candidate[], served: Ranking["served"] = { ranker: "retrieval" }): Ranking {
  return plainRanking({ order: candidates.map((_, i) => i), scores: candidates.map((c) => c.score) }, served);
}

export const retrievalRanker: Ranker = {
  name: "retrieval",
  rank: async (_ctx, candidates) => retrievalRanking(candidates),
};
