import { RankListwiseAnswer } from "../llm/answers.ts";
import { withDeadline } from "../llm/deadline.ts";
import { fitToBudget } from "../llm/tokens.ts";
import { addUsage, type LlmClient, LlmError, type LlmFailure, type LlmUsage, NO_USAGE } from "../llm/types.ts";
import { mulberry32, shuffle } from "../numeric/random.ts";
import { bordaScores } from "./borda.ts";
import { DEFAULT_GATE, type HistoryGate, llmWeight } from "./history-gate.ts";
import { readLabels } from "./labels.ts";
import { itemLine, renderListwisePrompt } from "./listwise-prompt.ts";
import { orderByScore, rankScore } from "./order.ts";
import { retrievalRanking } from "./score.ts";
import type { Candidate, RankContext, Ranker, Ranking } from "./types.ts";
import { slide, slidingWindows } from "./windows.ts";

export interface ListwiseOptions {
  /** B: orderings of the candidates shown to the model (the first in retrieval order, the rest shuffled), aggregated by Borda count. */
  orderings?: number;
  /** Candidates per call; more candidates are ranked in sliding windows. */
  window?: number;
  stride?: number;
  /** Seeds the shuffles; the same inputs and seed give the same prompts. */
  seed?: number;
  /** LLM weight by history length; null takes the LLM's order alone. */
  gate?: HistoryGate | null;
  /** History items shown, the most recent ones; the prompt token budget may cut more. */
  maxHistory?: number;
  maxTitleChars?: number;
}

const DEFAULTS: Required<ListwiseOptions> = { orderings: 1, window: 20, stride: 10, seed: 0x5eed, gate: DEFAULT_GATE, maxHistory: 20, maxTitleChars: 60 };
export const RERANK_STAGE = "rerank";

/** One ordering's walk through its windows: its final list and what its calls cost. */
interface OrderingResult {
  list: number[];
  calls: number;
  failures: LlmFailure[];
  usage: LlmUsage;
  warnings: string[];
}

/**
 * Listwise LLM re-ranking (RankGPT, LLMRank): the model sees the history and a window of labelled candidates
 * and answers with labels only. B orderings run in parallel and are aggregated by Borda count, then blended
 * with retrieval rank by the history gate. A failed call leaves its window in retrieval order; if no call
 * succeeds the result is the retrieval order, labelled with why. All calls run under the stage's deadline
 * (the client's, or less when the context asks for less): past it, the windows still waiting keep retrieval
 * order, labelled "timeout". Never throws, never loses a candidate.
 */
export async function listwiseRerank(client: LlmClient, ctx: RankContext, candidates: readonly Candidate[], options: ListwiseOptions = {}): Promise<Ranking> {
  const o = withDefaults(options);
  const n = candidates.length;
  const weight = llmWeight(ctx.history.length, o.gate);
  if (!client.enabled) return retrievalRanking(candidates, { ranker: "retrieval", fallback: "disabled" });
  if (weight === 0 || n < 2) return retrievalRanking(candidates, { ranker: "retrieval", fallback: "gated" });

  // Most recent first, so the token budget trims the oldest items.
  const history = ctx.history.slice(-o.maxHistory).reverse().map((h) => itemLine(h, o.maxTitleChars));
  const lines = candidates.map((c) => itemLine(c, o.maxTitleChars));
  const windows = slidingWindows(n, o.window, o.stride);
  const seed = (o.seed ^ idHash(candidates)) >>> 0;
  const budget = client.promptBudget(RERANK_STAGE);

  const runOrdering = async (b: number, signal: AbortSignal): Promise<OrderingResult> => {
    const result: OrderingResult = { list: [], calls: 0, failures: [], usage: NO_USAGE, warnings: [] };
    const where = (w: number) => `ordering ${b + 1}${windows.length > 1 ? ` window ${w + 1}` : ""}`;
    result.list = await slide(shownOrder(n, b, seed), windows, async (shown, w) => {
      result.calls++;
      try {
        const shownLines = shown.map((i) => lines[i]);
        const fitted = await fitToBudget(history, budget, (kept) => renderListwisePrompt(kept, shownLines));
        if (fitted.kept < history.length) result.warnings.push(`${where(w)}: history cut to ${fitted.kept} item(s) by the token budget`);
        const answer = await client.generate({ stage: RERANK_STAGE, prompt: fitted.prompt, schema: RankListwiseAnswer, signal });
        result.usage = addUsage(result.usage, answer.usage);
        const read = readLabels(answer.value, shown);
        if (read.placed === 0) throw new LlmError("malformed", "the answer named none of the candidates");
        const issues = labelIssues(read);
        if (issues) result.warnings.push(`${where(w)}: ${issues}`);
        return read.order;
      } catch (e) {
        const failure = asLlmError(e);
        result.usage = addUsage(result.usage, failure.usage);
        result.failures.push(failure.reason);
        result.warnings.push(`${where(w)}: ${failure.reason} (${failure.message}); kept retrieval order`);
        return [...shown].sort((a, c) => a - c);
      }
    });
    return result;
  };

  const deadlineMs = Math.min(client.deadlineMs(RERANK_STAGE), ctx.deadlineMs ?? Number.POSITIVE_INFINITY);
  const results = await withDeadline(deadlineMs, ctx.signal, (signal) => Promise.all(Array.from({ length: o.orderings }, (_, b) => runOrdering(b, signal))));
  const usage = results.reduce((acc, r) => addUsage(acc, r.usage), NO_USAGE);
  const warnings = results.flatMap((r) => r.warnings);
  const failures = results.flatMap((r) => r.failures);
  const calls = results.reduce((acc, r) => acc + r.calls, 0);
  // An ordering whose every call failed carries no model judgement; counting it would only dilute the others.
  const informed = results.filter((r) => r.failures.length < r.calls);
  if (informed.length === 0) return { ...retrievalRanking(candidates, { ranker: "retrieval", fallback: commonest(failures) }), usage, warnings };

  const borda = bordaScores(informed.map((r) => r.list), n);
  const blended = borda.map((s, i) => weight * s + (1 - weight) * rankScore(i, n));
  const partial = failures.length > 0 ? { fallback: commonest(failures), partial: { failedCalls: failures.length, calls } } : {};
  return { ...orderByScore(blended), warnings, usage, served: { ranker: "llm-listwise", ...partial } };
}

export function llmListwiseRanker(client: LlmClient, options: ListwiseOptions = {}): Ranker {
  return { name: "llm-listwise", rank: (ctx, candidates) => listwiseRerank(client, ctx, candidates, options) };
}

/** Options with every unset (or explicitly undefined) field at its default; a null gate stays null. */
function withDefaults(options: ListwiseOptions): Required<ListwiseOptions> {
  const set = Object.entries(options).filter(([, v]) => v !== undefined);
  return { ...DEFAULTS, ...Object.fromEntries(set) };
}

/**
 * The order ordering b shows the candidates in: b = 0 is the retrieval order (so B = 1 is plain listwise
 * ranking), the others are seeded shuffles. The seed mixes in the candidate ids so that the positions an item
 * lands in vary across requests rather than repeating one pattern for every user.
 */
function shownOrder(n: number, b: number, seed: number): number[] {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  if (b > 0) shuffle(order, mulberry32(seed + b));
  return Array.from(order);
}

/** FNV-1a over the candidate ids, each followed by a 0 so that ["ab", "c"] and ["a", "bc"] differ. */
function idHash(candidates: readonly Candidate[]): number {
  let h = 0x811c9dc5;
  for (const c of candidates) for (let k = 0; k <= c.id.length; k++) h = Math.imul(h ^ (k < c.id.length ? c.id.charCodeAt(k) : 0), 0x01000193);
  return h >>> 0;
}

function labelIssues(r: { unknown: number; duplicates: number; missing: number }): string {
  const parts = [
    r.unknown > 0 && `${r.unknown} unknown label(s) dropped`,
    r.duplicates > 0 && `${r.duplicates} duplicate label(s) dropped`,
    r.missing > 0 && `${r.missing} candidate(s) left out, appended in retrieval order`,
  ];
  return parts.filter(Boolean).join(", ");
}

/** The client throws LlmError by contract; anything else is its bug, reported as a server error rather than thrown. */
function asLlmError(e: unknown): LlmError {
  return e instanceof LlmError ? e : new LlmError("server_error", `unexpected error: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

/** The most frequent failure; ties go to the one seen first. */
function commonest(failures: readonly LlmFailure[]): LlmFailure {
  const counts = new Map<LlmFailure, number>();
  for (const f of failures) counts.set(f, (counts.get(f) ?? 0) + 1);
  return [...counts.entries()].reduce((best, x) => (x[1] > best[1] ? x : best))[0];
}
