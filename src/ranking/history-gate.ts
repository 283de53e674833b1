/**
 * How much the LLM's order counts, by the length of the user's history: zero-shot LLM rankers beat classical
 * models on cold users and lose to them on warm ones, so the weight is 1 up to `coldAt` items, 0 from `warmAt`
 * on, and linear in between.
 */
export interface HistoryGate {
  coldAt: number;
  warmAt: number;
}

export const DEFAULT_GATE: HistoryGate = { coldAt: 5, warmAt: 50 };

/** The LLM's weight in [0, 1]; with no gate (null) the LLM's order is taken alone, whatever the history. */
export function llmWeight(historyLength: number, gate: HistoryGate | null): number {
  if (gate === null || historyLength <= gate.coldAt) return 1;
  if (historyLength >= gate.warmAt) return 0;
  return (gate.warmAt - historyLength) / (gate.warmAt - gate.coldAt);
}
