import cluster from "node:cluster";
import pino, { type DestinationStream } from "pino";
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram } from "prom-client";
import { AppError, InputError } from "../core/errors.ts";
import type { AppMetrics, Logger } from "../http/observability.ts";
import type { VectorIndex } from "../index/types.ts";
import { type LlmCallRecord, observedLlmClient } from "../llm/observed.ts";
import type { LlmClient } from "../llm/types.ts";

/** The Node service's logs (pino, JSON lines) and metrics (prom-client, served at GET /metrics). */
export interface NodeObservability {
  logger: Logger;
  metrics: AppMetrics;
  /** The same LLM client, counting its calls, tokens and latency per stage. */
  observeLlm(client: LlmClient): LlmClient;
}

export interface ObservabilityOptions {
  /** Its size and kind are reported at each scrape. */
  index: Pick<VectorIndex, "kind" | "count">;
  /** Log level (LOG_LEVEL): fatal, error, warn, info (default: one line per request), debug, trace or silent. */
  level?: string;
  /** Where the JSON lines go; stdout by default. */
  destination?: DestinationStream;
  /** Node's process metrics (CPU, memory, event-loop delay, GC); on by default. */
  processMetrics?: boolean;
}

// Requests take about a millisecond without an LLM and up to the LLM deadline (seconds) with one.
const REQUEST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const LLM_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30];
const LEVELS = [...Object.keys(pino.levels.values), "silent"];

export function nodeObservability(options: ObservabilityOptions): NodeObservability {
  const level = options.level?.trim() || "info";
  if (!LEVELS.includes(level)) throw new InputError(`LOG_LEVEL=${level} is not a log level; use one of ${LEVELS.join(", ")}`);
  const logger = pino({ level, timestamp: pino.stdTimeFunctions.isoTime }, options.destination);

  // In a cluster worker this registry is also what the primary collects from every worker (see workerMetrics).
  const registry = new AggregatorRegistry();
  const registers = [registry];
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const requestLabels = ["method", "route", "status"] as const;
  const requests = new Counter({ name: "recagent_http_requests_total", help: "HTTP requests answered, by route pattern and status", labelNames: requestLabels, registers });
  const requestSeconds = new Histogram({
    name: "recagent_http_request_duration_seconds",
    help: "Time to the response head, by route pattern and status (a server-sent event stream goes on after it)",
    labelNames: requestLabels,
    buckets: REQUEST_BUCKETS,
    registers,
  });
  const llmCalls = new Counter({ name: "recagent_llm_calls_total", help: "LLM calls by stage and outcome (ok, cached, or the failure: timeout, server_error...)", labelNames: ["stage", "outcome"], registers });
  const llmTokens = new Counter({ name: "recagent_llm_tokens_total", help: "LLM tokens spent by stage, prompt or completion", labelNames: ["stage", "kind"], registers });
  const llmSeconds = new Histogram({ name: "recagent_llm_call_duration_seconds", help: "Time waiting on the LLM endpoint per call not answered from the cache, by stage", labelNames: ["stage"], buckets: LLM_BUCKETS, registers });
  const fallbacks = new Counter({ name: "recagent_llm_fallbacks_total", help: "LLM stages that fell back to their non-LLM path, by stage and reason", labelNames: ["stage", "reason"], registers });
  const { index } = options;
  new Gauge({
    name: "recagent_index_items",
    help: "Items in the vector index, labelled with its kind",
    labelNames: ["kind"],
    registers,
    // Every worker serves the same catalog: added up across workers it would count each item once per worker.
    aggregator: "first",
    async collect() {
      this.reset();
      this.set({ kind: index.kind }, await index.count());
    },
  });

  const recordLlmCall = ({ stage, outcome, usage }: LlmCallRecord) => {
    llmCalls.inc({ stage, outcome });
    llmTokens.inc({ stage, kind: "prompt" }, usage.promptTokens);
    llmTokens.inc({ stage, kind: "completion" }, usage.completionTokens);
    if (outcome !== "cached") llmSeconds.observe({ stage }, usage.latencyMs / 1000);
  };

  if (cluster.isWorker) AggregatorRegistry.setRegistries([registry]);
  const metrics: AppMetrics = {
    request: ({ method, route, status, seconds }) => {
      const labels = { method, route, status: String(status) };
      requests.inc(labels);
      requestSeconds.observe(labels, seconds);
    },
    fallback: (stage, reason) => fallbacks.inc({ stage, reason }),
    exposition: async () => ({ contentType: registry.contentType, body: cluster.isWorker ? await workerMetrics() : await registry.metrics() }),
  };
  return { logger, metrics, observeLlm: (client) => (client.enabled ? observedLlmClient(client, recordLlmCall) : client) };
}

/*
 * Under node:cluster a scrape reaches one worker, whose own counts are a fraction of the service's. So the worker
 * asks the primary, which collects every worker's registry and adds them up (prom-client's AggregatorRegistry).
 */
const METRICS_REQUEST = "recagent:metrics-request";
const METRICS_REPLY = "recagent:metrics-reply";
/** prom-client gives up on a silent worker after 5 s; past this the primary itself is not answering. */
const PRIMARY_TIMEOUT_MS = 10_000;
let metricsRequests = 0;

interface MetricsReply {
  type: typeof METRICS_REPLY;
  id: number;
  body?: string;
  error?: string;
}

let aggregating = false;

/** In the primary, before the workers start: answers the workers' requests for the whole cluster's metrics. Idempotent. */
export function aggregateWorkerMetrics(): void {
  if (aggregating) return;
  aggregating = true;
  const aggregator = new AggregatorRegistry();
  cluster.on("message", (worker, message: { type?: unknown; id?: number }) => {
    if (message?.type !== METRICS_REQUEST) return;
    const reply = (fields: Partial<MetricsReply>) => worker.send({ type: METRICS_REPLY, id: message.id, ...fields });
    aggregator.clusterMetrics().then(
      (body) => reply({ body }),
      (e: unknown) => reply({ error: e instanceof Error ? e.message : String(e) }),
    );
  });
}

function workerMetrics(): Promise<string> {
  const id = metricsRequests++;
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      process.off("message", onMessage);
    };
    const unavailable = (why: string) => new AppError("metrics_unavailable", `the cluster's metrics could not be collected: ${why}`, { status: 503 });
    const timer = setTimeout(() => {
      done();
      reject(unavailable(`the primary did not answer within ${PRIMARY_TIMEOUT_MS / 1000} s`));
    }, PRIMARY_TIMEOUT_MS);
    const onMessage = (message: MetricsReply) => {
      if (message?.type !== METRICS_REPLY || message.id !== id) return;
      done();
      if (message.body !== undefined) resolve(message.body);
      else reject(unavailable(message.error ?? "no reason given"));
    };
    process.on("message", onMessage);
    process.send?.({ type: METRICS_REQUEST, id });
  });
}
