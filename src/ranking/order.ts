import { NO_USAGE } from "../llm/types.ts";
import type { Ranking, Served } from "./types.ts";

/** A scale-free score from a rank: 1 for the first of n, 0 for the last. */
export function rankScore(rank: number, n: number): number {
  return n <= 1 ? 1 : 1 - rank / (n - 1);
}

/** Candidate indices by descending score; ties keep retrieval order (the lower index first). */
export function orderByScore(scores: readonly number[]): { order: number[]; scores: number[] } {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  return { order, scores: order.map((i) => scores[i]) };
}

/** A ranking that spent no LLM calls. */
export function plainRanking(order: { order: number[]; scores: number[] }, served: Served, warnings: string[] = []): Ranking {
  return { ...order, warnings, usage: NO_USAGE, served };
}
