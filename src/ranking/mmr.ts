import { cosine } from "../numeric/vectors.ts";
import type { Scored } from "../index/types.ts";
import { plainRanking, rankScore } from "./order.ts";
import type { Candidate, Ranker } from "./types.ts";

/**
 * Maximal marginal relevance (Carbonell and Goldstein 1998): picks k of n items greedily by
 * (1 - diversity) * relevance - diversity * (highest similarity to an item already picked). Relevance is
 * rescaled to [0, 1] over the pool, so the trade-off does not depend on the score's scale. Returns indices,
 * best first; ties go to the lower index.
 */
export function mmrOrder(relevance: readonly number[], similarity: (a: number, b: number) => number, k: number, diversity: number): number[] {
  if (relevance.length === 0) return [];
  const lo = Math.min(...relevance);
  const span = Math.max(...relevance) - lo || 1;
  const left = relevance.map((r, i) => ({ i, rel: (r - lo) / span, maxSim: 0 }));
  const picked: number[] = [];
  while (picked.length < k && left.length > 0) {
    let best = 0;
    let bestValue = -Infinity;
    left.forEach((x, j) => {
      const value = (1 - diversity) * x.rel - diversity * x.maxSim;
      if (value > bestValue) {
        bestValue = value;
        best = j;
      }
    });
    const [chosen] = left.splice(best, 1);
    picked.push(chosen.i);
    for (const x of left) x.maxSim = Math.max(x.maxSim, similarity(chosen.i, x.i));
  }
  return picked;
}

/** Cosine of two items' vectors; 0 when either has none (an item without a vector is never penalised). */
function vectorSimilarity(vectors: readonly (Float32Array | undefined)[]): (a: number, b: number) => number {
  return (a, b) => {
    const v = vectors[a];
    const w = vectors[b];
    return v && w ? cosine(v, w) : 0;
  };
}

/** MMR over index results, as the recommend service uses it: k of the candidates, vectors by item id. */
export function mmr(candidates: readonly Scored[], vectors: ReadonlyMap<string, Float32Array>, k: number, diversity: number): Scored[] {
  const similarity = vectorSimilarity(candidates.map((c) => vectors.get(c.item.id)));
  return mmrOrder(candidates.map((c) => c.score), similarity, k, diversity).map((i) => candidates[i]);
}

/** Reorders every candidate by MMR over their vectors; `diversity` in [0, 1], 0 keeps retrieval order. */
export function mmrRanker(diversity: number): Ranker {
  return {
    name: "mmr",
    rank: async (_ctx, candidates: readonly Candidate[]) => {
      const similarity = vectorSimilarity(candidates.map((c) => c.vector));
      const order = mmrOrder(candidates.map((c) => c.score), similarity, candidates.length, diversity);
      return plainRanking({ order, scores: order.map((_, r) => rankScore(r, order.length)) }, { ranker: "mmr" });
    },
  };
}
