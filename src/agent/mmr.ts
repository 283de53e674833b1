import type { Scored } from "../index/types.ts";
import { cosine } from "./vectors.ts";

/**
 * Maximal marginal relevance (Carbonell and Goldstein 1998): picks k of the candidates greedily by
 * (1 - diversity) * relevance - diversity * (highest cosine to an item already picked). Relevance is the
 * candidate's score rescaled to [0, 1] over the pool, so the trade-off does not depend on the score's scale.
 */
export function mmr(candidates: readonly Scored[], vectors: ReadonlyMap<string, Float32Array>, k: number, diversity: number): Scored[] {
  if (candidates.length === 0) return [];
  const scores = candidates.map((c) => c.score);
  const lo = Math.min(...scores);
  const span = Math.max(...scores) - lo || 1;
  const left = candidates.map((c) => ({ c, rel: (c.score - lo) / span, maxSim: 0 }));
  const picked: Scored[] = [];
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
    picked.push(chosen.c);
    const v = vectors.get(chosen.c.item.id);
    if (!v) continue;
    for (const x of left) {
      const w = vectors.get(x.c.item.id);
      if (w) x.maxSim = Math.max(x.maxSim, cosine(v, w));
    }
  }
  return picked;
}
