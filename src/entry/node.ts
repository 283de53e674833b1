import { serve } from "@hono/node-server";
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { assembleServices, restoreServedModels, type ServiceInputs, type Services } from "../agent/assemble.ts";
import type { FeedbackEvent } from "../agent/feedback.ts";
import type { CatalogChange } from "../agent/onboarding.ts";
import { AppError, InputError } from "../core/errors.ts";
import { ServiceConfig } from "../core/config.ts";
import { HelpRequested } from "../cli/args.node.ts";
import { createApp } from "../http/app.ts";
import { LanceDbIndex } from "../index/lancedb.node.ts";
import { llmConfigFromEnv } from "../llm/config.ts";
import { FileCache } from "../llm/file-cache.node.ts";
import { createLlmClient } from "../llm/openai-client.ts";
import { MirroredIndex } from "../index/mirrored.ts";
import { queryMirrorFor } from "../index/query-mirror.node.ts";
import type { VectorIndex } from "../index/types.ts";
import { DEFAULT_TUNE_BUDGET_SECONDS } from "../eval/tuning/choose.ts";
import { type Artifacts, ensureArtifacts } from "./artifacts.node.ts";
import { startCluster } from "./cluster.node.ts";
import { drainingClose } from "./drain.node.ts";
import { nodeObservability } from "./observability.node.ts";
import { storeReplicaState } from "./store-replica.node.ts";

export const SERVE_USAGE = `usage: recagent serve [--dataset NAME|DIR | --interactions FILE [--items FILE]] [--model auto|NAME]
                     [--tune-budget SECONDS | --no-tune] [--host 127.0.0.1] [--port 8787] [--artifacts DIR]
                     [--config FILE.json] [--workers N] [--store DIR|s3://bucket/prefix [--store-poll-ms 1000]]
  Trains the model and builds the LanceDB table on first start (kept in --artifacts), then serves HTTP
  from --workers processes (default: one per core; 1 serves from a single process).
  The build first chooses on validation carved from the data (each user's last 20% of rows), within
  --tune-budget seconds (default ${DEFAULT_TUNE_BUDGET_SECONDS}): with --model auto (the default) the model or a blend of two, with a
  named model its parameters; and the value and recency weighting. --no-tune trains the named model's defaults
  (or the config file's "params"). The choice and its report (tuning-report.json) are kept in the build.
  --store: a stateless replica of a store. It serves the store's current model version (on an empty store it
  trains and publishes the first; with several replicas starting at once one version wins), downloaded into
  --artifacts/store-cache; writes go to the store's shared log and other replicas' writes arrive within about
  --store-poll-ms. It checks the current version as often and swaps a newly published one in without dropping a
  request (recagent train --publish). The data and model options only shape that first version. One process per
  replica: --workers is 1 (run more replicas for more cores, e.g. on other ports behind a load balancer).
  Environment: HOST, PORT, WORKERS, RECAGENT_STORE, RECAGENT_API_KEY (enables writes), RECAGENT_READ_KEY (guards reads), LOG_LEVEL (default info).`;

/** Flags over a config file over the environment over defaults. */
export function serviceConfig(argv: string[], env: NodeJS.ProcessEnv): ServiceConfig {
  if (argv.includes("--help") || argv.includes("-h")) throw new HelpRequested(SERVE_USAGE);
  let flags;
  try {
    flags = parseArgs({
      args: argv,
      strict: true,
      options: {
        dataset: { type: "string" }, interactions: { type: "string" }, items: { type: "string" }, model: { type: "string" },
        host: { type: "string" }, port: { type: "string" }, artifacts: { type: "string" }, config: { type: "string" }, workers: { type: "string" },
        "tune-budget": { type: "string" }, "no-tune": { type: "boolean" }, store: { type: "string" }, "store-poll-ms": { type: "string" },
      },
    }).values;
  } catch (e) {
    throw new InputError(`${(e as Error).message}\n\n${SERVE_USAGE}`);
  }
  let file: Record<string, unknown> = {};
  if (flags.config) {
    try {
      file = JSON.parse(readFileSync(flags.config, "utf8"));
    } catch (e) {
      throw new InputError(`--config ${flags.config}: ${(e as Error).message}`);
    }
  }
  const { config: _config, "tune-budget": tuneBudget, "no-tune": noTune, "store-poll-ms": storePollMs, ...rest } = flags;
  const merged = {
    host: env.HOST,
    port: env.PORT,
    workers: env.WORKERS,
    apiKey: env.RECAGENT_API_KEY || undefined,
    readKey: env.RECAGENT_READ_KEY || undefined,
    artifacts: env.RECAGENT_ARTIFACTS,
    store: env.RECAGENT_STORE || undefined,
    ...file,
    ...Object.fromEntries(Object.entries({ ...rest, tuneBudget, storePollMs, tune: noTune ? false : undefined }).filter(([, v]) => v !== undefined)),
  };
  const parsed = ServiceConfig.safeParse(Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)));
  if (!parsed.success) throw new InputError(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  if (parsed.data.store && (parsed.data.workers ?? 1) > 1) throw new InputError("--store serves one replica per process: drop --workers (or WORKERS) and start more replicas instead");
  return parsed.data;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** What one generation of services is assembled from. */
export interface ServingState {
  artifacts: Pick<Artifacts, "dir" | "manifest" | "saved" | "companion" | "items" | "contentMap">;
  /** The LanceDB side of the index: full-text search, and the durable copy of catalog changes. */
  durable: VectorIndex;
  catalogChanges: CatalogChange[];
  feedbackEvents: FeedbackEvent[];
  logs: NonNullable<ServiceInputs["logs"]>;
  /** The published model version (store replicas), named by GET /healthz. */
  version?: string;
}

/** Services assembled from one state, with the HTTP app over them. */
export interface Generation {
  state: ServingState;
  services: Services;
  fetch: (request: Request) => Response | Promise<Response>;
}

/** What a state source may do to a running server: assemble a new generation, and make it the one that serves. */
export interface ServerControl {
  assemble(state: ServingState): Promise<Generation>;
  /** Synchronous: requests dispatched after it go to `next`; those in flight finish on the generation they began on. */
  swapIn(next: Generation): void;
  current(): Generation;
}

/**
 * Where a server process's state comes from. Alone (standaloneState) it owns the logs and writes LanceDB; a
 * cluster worker (cluster.node.ts) reads what the primary wrote and hands its own writes to the primary; a store
 * replica (store-replica.node.ts) loads published model versions and shares the store's write log.
 */
export interface StateSource {
  open(config: ServiceConfig, log: (line: string) => void): Promise<ServingState>;
  /** Runs with the services assembled, before the port opens. */
  beforeListen?(services: Services): Promise<void>;
  /** Runs once the port is open: keeps the server current (new model versions); returns what stops it. */
  watch?(server: ServerControl): () => Promise<void>;
  /** Added to every response. */
  headers?: Record<string, string>;
}

export const standaloneState: StateSource = {
  async open(config, log) {
    const artifacts = await ensureArtifacts(config, log);
    return {
      artifacts,
      durable: await LanceDbIndex.open(artifacts.lancedbDir, { table: "items", dimension: artifacts.manifest.factors }),
      catalogChanges: artifacts.catalogLog.replay(log),
      feedbackEvents: artifacts.feedbackLog.replay(log),
      logs: { catalog: artifacts.catalogLog, feedback: artifacts.feedbackLog },
    };
  },
};

/** Lets requests waiting on the event loop run between the long synchronous steps of assembling a generation beside a serving one. */
const turnForRequests = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Builds (or reuses) the artifacts and serves the API until close() is called. */
export async function startServer(
  config: ServiceConfig,
  log: (line: string) => void = (l) => console.error(l),
  env: Record<string, string | undefined> = process.env,
  state: StateSource = standaloneState,
): Promise<RunningServer> {
  const first = await state.open(config, log);
  // Reports the index of whichever generation serves at the scrape.
  const servingIndex = { get kind() { return current.services.index.kind; }, count: () => current.services.index.count() };
  const observability = nodeObservability({ index: servingIndex, level: env.LOG_LEVEL });
  const llm = observability.observeLlm(createLlmClient(llmConfigFromEnv(env), { cache: new FileCache(join(first.artifacts.dir, "llm-cache")) }));
  const assemble = async (next: ServingState): Promise<Generation> => {
    const { artifacts, durable } = next;
    const models = restoreServedModels(artifacts.saved, artifacts.companion);
    await turnForRequests();
    // A flat scan for a catalog up to HNSW_ABOVE_ITEMS items, an HNSW graph above (query-mirror.node.ts), saved beside
    // the artifacts by the first process to build it and loaded by the others; catalog changes are replayed on top.
    const mirror = queryMirrorFor(artifacts.items, models.space.itemVectors(), models.space.factors, { graphDir: artifacts.dir, log });
    const index = new MirroredIndex(durable, mirror);
    await turnForRequests();
    const services = await assembleServices({
      saved: artifacts.saved,
      models,
      items: artifacts.items,
      index,
      contentMap: artifacts.contentMap,
      catalogChanges: next.catalogChanges,
      feedbackEvents: next.feedbackEvents,
      logs: next.logs,
      llm,
    });
    const app = createApp({ ...services, version: next.version, writeKey: config.apiKey, readKey: config.readKey, chatStateKey: env.RECAGENT_STATE_KEY || undefined, maxBodyBytes: config.maxBodyBytes, logger: observability.logger, metrics: observability.metrics });
    return { state: next, services, fetch: (request) => app.fetch(request) };
  };
  let current: Generation = await assemble(first);
  await state.beforeListen?.(current.services);
  const headers = Object.entries(state.headers ?? {});
  // Each request is dispatched to the generation serving when it arrives, and finishes there.
  const fetch = async (request: Request) => {
    const res = await current.fetch(request);
    for (const [name, value] of headers) res.headers.set(name, value);
    return res;
  };
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch, hostname: config.host, port: config.port }, () => resolve(s));
    s.once("error", reject);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const url = `http://${config.host}:${port}`;
  const llmLine = llm.enabled ? `LLM ${llm.modelFor("rerank")}` : "no LLM (set OPENAI_BASE_URL to enable)";
  const version = first.version ? ` (version ${first.version})` : "";
  log(`recagent serving ${first.artifacts.manifest.chosen}${version} over ${await current.services.index.count()} items (${current.services.index.kind}), ${llmLine}, on ${url}`);
  const stopWatching = state.watch?.({ assemble, swapIn: (next) => void (current = next), current: () => current });
  const close = drainingClose(server as Server, config.shutdownGraceMs);
  return {
    url,
    close: async () => {
      await stopWatching?.();
      await close();
    },
  };
}

/** `recagent serve`: runs until SIGINT/SIGTERM, then stops accepting, finishes in-flight requests (drainingClose) and exits. */
export async function serveCommand(argv: string[]): Promise<number> {
  let running: RunningServer;
  try {
    const config = serviceConfig(argv, process.env);
    const workers = config.store ? 1 : (config.workers ?? availableParallelism());
    if (config.store) running = await startServer(config, undefined, process.env, storeReplicaState(config, process.env));
    else running = workers > 1 ? await startCluster(config, { workers }) : await startServer(config);
  } catch (e) {
    if (AppError.isInstance(e) && e.code === "help") {
      console.log(e.message);
      return 0;
    }
    if (AppError.isInstance(e) && e.status < 500) {
      process.stderr.write(`recagent serve: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stderr.write(`${signal}: shutting down\n`);
      running.close().then(resolve);
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  return 0;
}
