import type { LlmFailure, LlmUsage } from "../llm/types.ts";

/** What a ranker may show of an item. */
export interface HistoryItem {
  id: string;
  title: string;
  year?: number;
  genres?: readonly string[];
}

/**
 * One item a ranker may reorder. Candidates arrive in retrieval order, best first, so an index into the
 * candidate array is also the item's retrieval rank.
 */
export interface Candidate extends HistoryItem {
  /** The retriever's score; higher is better. */
  score: number;
  /** How many users interacted with the item in the training data (popularity blending). */
  popularity?: number;
  /** The item's vector in the retriever's space (MMR similarity). */
  vector?: Float32Array;
}

export interface RankContext {
  /** What the user interacted with, oldest first (the order histories are stored in). */
  history: readonly HistoryItem[];
  signal?: AbortSignal;
  /** Milliseconds the LLM rankers may take, when the request wants less than their configured deadline (never more). */
  deadlineMs?: number;
}

export type RankerName = "retrieval" | "mmr" | "popularity-blend" | "llm-listwise";

/** Why the ranker asked for did not serve, or served only in part: an LLM failure, or the history gate kept the LLM out. */
export type Fallback = LlmFailure | "gated";

/** Which ranker's order is returned, and why when it is not the one asked for. */
export interface Served {
  ranker: RankerName;
  fallback?: Fallback;
  /** Some LLM calls failed (`fallback` says why) and their windows kept retrieval order; the rest is the LLM's. */
  partial?: { failedCalls: number; calls: number };
}

export interface Ranking {
  /** Indices into the candidates, best first: always a permutation of 0..n-1. */
  order: number[];
  /** scores[r] belongs to order[r]; higher is better, non-increasing, comparable only within one ranking. */
  scores: number[];
  warnings: string[];
  usage: LlmUsage;
  served: Served;
}

export interface Ranker {
  /** The ranker asked for; `Ranking.served.ranker` says which one actually served. */
  readonly name: RankerName;
  /** Never throws for a failing LLM: it falls back to retrieval order and says so in `served`. */
  rank(ctx: RankContext, candidates: readonly Candidate[]): Promise<Ranking>;
}
