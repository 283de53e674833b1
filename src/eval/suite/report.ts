import type { ChatSimRow } from "../chat-sim.ts";
import type { Params } from "../../models/recommender.ts";
import type { RankerSpec } from "../../ranking/spec.ts";

/** A mean over users with its standard error (sample standard deviation / sqrt(users)). */
export interface MeanWithError {
  mean: number;
  stderr: number;
}

/** What serving one request cost, averaged over the users of a row. */
export interface CostFigures {
  callsPerRequest: number;
  promptTokensPerRequest: number;
  completionTokensPerRequest: number;
  retriesPerRequest: number;
  /** Wall milliseconds of one rank() call (LLM calls of one request run in parallel). */
  latencyMsMean: number;
  latencyMsP95: number;
  /** From the configured prices; "unknown" when they are not configured (0). */
  usdPer1kRequests: number | "unknown";
}

/** Quality, ceiling, who served and cost of one ranker on one candidate set size and population. */
export interface Measured {
  users: number;
  metrics: Record<string, MeanWithError>;
  /** recall@size of the candidate set itself: what a perfect reordering of it would reach on recall@size. */
  ceiling: MeanWithError;
  /** Requests by the ranker that served them, e.g. "llm-listwise", "retrieval/timeout", "llm-listwise/timeout (partial)". */
  served: Record<string, number>;
  cost: CostFigures;
}

interface RowKey {
  population: string;
  size: number;
  ranker: string;
  kind: RankerSpec["kind"];
}

/** One ranker on one candidate set size and population; skipped ("disabled": no LLM endpoint) rows carry no figures. */
export type SuiteRow = RowKey & ({ status: "ok" } & Measured | { status: "skipped"; skipped: string });

export type MeasuredRow = Extract<SuiteRow, { status: "ok" }>;

export interface Population {
  id: string;
  users: number;
  note: string;
}

export interface SuiteReport {
  /** Conversational recommendation with simulated users (src/eval/chat-sim.ts), when the runner ran it. */
  chat?: ChatSimRow[];
  suite: { id: string; version: number; description: string };
  generatedAt: string;
  /** Said first in every report when the figures cannot be read as a model's quality. */
  notice?: string;
  dataset: { split: string; testUsers: number; items: number };
  candidates: { model: string; params: Params; sizes: number[]; fitSeconds: number };
  llm: { enabled: boolean; model: string; fake: boolean; pricesPerMTok: { input: number; output: number } | "unknown" };
  populations: Population[];
  metrics: string[];
  rows: SuiteRow[];
}

export const FAKE_NOTICE =
  "The LLM in this run is a scripted fake: its figures test the evaluation harness, not a model. Do not read them as LLM quality or cost.";

export const CHAT_NOTE =
  "Each simulated user hides a liked item from its test split and answers the agent's questions truthfully from that item's genre and decade, otherwise naming a film it liked in train. success Tn: the target is in the top-k within n turns.";
