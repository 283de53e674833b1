import { type LlmClient, LlmError, type LlmFailure, type LlmUsage } from "./types.ts";

/** How one generate() call ended: answered by the endpoint, from the cache, or why it failed. */
export type LlmCallOutcome = "ok" | "cached" | LlmFailure;

export interface LlmCallRecord {
  stage: string;
  outcome: LlmCallOutcome;
  /** What the call spent, failed calls included. */
  usage: LlmUsage;
}

/** The same client, reporting every call (stage, outcome, tokens) to `record`: the metrics of the LLM stages. */
export function observedLlmClient(client: LlmClient, record: (call: LlmCallRecord) => void): LlmClient {
  return {
    enabled: client.enabled,
    isFake: client.isFake,
    modelFor: (stage) => client.modelFor(stage),
    promptBudget: (stage) => client.promptBudget(stage),
    deadlineMs: (stage) => client.deadlineMs(stage),
    generate: async (req) => {
      try {
        const result = await client.generate(req);
        record({ stage: req.stage, outcome: result.usage.cachedCalls > 0 ? "cached" : "ok", usage: result.usage });
        return result;
      } catch (e) {
        if (e instanceof LlmError) record({ stage: req.stage, outcome: e.reason, usage: e.usage });
        throw e;
      }
    },
  };
}
