import type { ChatAgent } from "../agent/chat/agent.ts";
import type { FeedbackService } from "../agent/feedback.ts";
import type { ItemStore } from "../agent/item-store.ts";
import type { ItemOnboarding } from "../agent/onboarding.ts";
import type { RecommendService } from "../agent/recommend-service.ts";
import type { VectorIndex } from "../index/types.ts";
import type { LlmClient } from "../llm/types.ts";

/** Everything the HTTP app needs; entry points (Node, Workers) build it. */
export interface AppDeps {
  recommendations: RecommendService;
  items: ItemStore;
  index: VectorIndex;
  /** The LLM behind rerank: "llm" (and later stages); a disabled client means every stage uses its non-LLM path. */
  llm: LlmClient;
  /** Absent on deployments that cannot write (writes answer 501). */
  onboarding?: ItemOnboarding;
  feedback?: FeedbackService;
  /** Absent: /v1/chat answers 501. */
  chat?: ChatAgent;
  /** Signs chat state tokens (RECAGENT_STATE_KEY); the write key signs them when absent, and without either they are unsigned. */
  chatStateKey?: string;
  /** Bearer key for writes (RECAGENT_API_KEY); without one, writes answer 401. */
  writeKey?: string;
  /** Bearer key for reads; reads are open when absent. */
  readKey?: string;
  /** Largest accepted request body in bytes (default 256 KiB). */
  maxBodyBytes?: number;
  /** Milliseconds clock for took_ms (performance.now by default). */
  now?: () => number;
}
