/**
 * Borda count over full rankings of the same n items (indices 0..n-1): rank r earns n - 1 - r points. Returns
 * each item's mean points divided by n - 1, in [0, 1] (1: first in every ranking). Aggregating rankings of
 * differently shuffled inputs cancels most of a listwise model's position bias (Hou et al. 2024, LLMRank).
 */
export function bordaScores(rankings: readonly (readonly number[])[], n: number): number[] {
  const points = new Array<number>(n).fill(0);
  for (const ranking of rankings) ranking.forEach((item, r) => (points[item] += n - 1 - r));
  const scale = rankings.length * Math.max(n - 1, 1);
  return points.map((p) => (rankings.length === 0 ? 0 : p / scale));
}
