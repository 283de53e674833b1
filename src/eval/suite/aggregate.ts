import { llmCostUsd, type LlmConfig } from "../../llm/config.ts";
import { addUsage, type LlmUsage, NO_USAGE } from "../../llm/types.ts";
import type { Served } from "../../ranking/types.ts";
import type { CostFigures, MeanWithError, Measured } from "./report.ts";

/** What ranking one user's candidates gave and cost. */
export interface UserOutcome {
  /** In the order of the suite's metric names. */
  metrics: number[];
  ceiling: number;
  usage: LlmUsage;
  wallMs: number;
  served: string;
}

export type Prices = Pick<LlmConfig, "priceInputPerMTok" | "priceOutputPerMTok">;

export function servedLabel(served: Served): string {
  if (!served.fallback) return served.ranker;
  return `${served.ranker}/${served.fallback}${served.partial ? " (partial)" : ""}`;
}

export function meanWithError(values: readonly number[]): MeanWithError {
  const n = values.length;
  if (n === 0) return { mean: 0, stderr: 0 };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, stderr: 0 };
  const variance = values.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1);
  return { mean, stderr: Math.sqrt(variance / n) };
}

/** Nearest-rank percentile. */
function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function costFigures(outcomes: readonly UserOutcome[], prices: Prices): CostFigures {
  const n = Math.max(outcomes.length, 1);
  const usage = outcomes.reduce((acc, o) => addUsage(acc, o.usage), NO_USAGE);
  const usd = usage.calls === 0 ? 0 : llmCostUsd(usage, prices);
  const walls = outcomes.map((o) => o.wallMs);
  return {
    callsPerRequest: usage.calls / n,
    promptTokensPerRequest: usage.promptTokens / n,
    completionTokensPerRequest: usage.completionTokens / n,
    retriesPerRequest: usage.retries / n,
    latencyMsMean: walls.reduce((a, b) => a + b, 0) / n,
    latencyMsP95: percentile(walls, 95),
    usdPer1kRequests: usd === undefined ? "unknown" : (usd / n) * 1000,
  };
}

/** The measured part of a row: metric means, the candidate set's ceiling, who served, and cost. */
export function summarize(outcomes: readonly UserOutcome[], metricNames: readonly string[], prices: Prices): Measured {
  const served: Record<string, number> = {};
  for (const o of outcomes) served[o.served] = (served[o.served] ?? 0) + 1;
  return {
    users: outcomes.length,
    metrics: Object.fromEntries(metricNames.map((name, m) => [name, meanWithError(outcomes.map((o) => o.metrics[m]))])),
    ceiling: meanWithError(outcomes.map((o) => o.ceiling)),
    served,
    cost: costFigures(outcomes, prices),
  };
}
