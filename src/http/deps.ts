import type { Services } from "../agent/assemble.ts";
import type { AppMetrics, Logger } from "./observability.ts";

/**
 * Everything the HTTP app needs: the services (built by assembleServices in the entry points) plus the
 * deployment's settings. Without `onboarding` and `feedback` the deployment is read-only (writes answer 501);
 * with a disabled `llm` every LLM stage takes its non-LLM path.
 */
export interface AppDeps extends Services {
  /** Signs chat state tokens (RECAGENT_STATE_KEY); the write key signs them when absent, and without either they are unsigned. */
  chatStateKey?: string;
  /** Bearer key for writes (RECAGENT_API_KEY); without one, writes answer 401. */
  writeKey?: string;
  /** Bearer key for reads; reads are open when absent. */
  readKey?: string;
  /** The published model version this deployment serves (store replicas), named by GET /healthz. */
  version?: string;
  /** Largest accepted request body in bytes (default 256 KiB). */
  maxBodyBytes?: number;
  /** Milliseconds clock for took_ms (performance.now by default). */
  now?: () => number;
  /** Request lines and errors, each with its request id; without one, errors go to the console. */
  logger?: Logger;
  /** Counts requests and LLM fallbacks and serves GET /metrics; without one there is no /metrics route. */
  metrics?: AppMetrics;
}
