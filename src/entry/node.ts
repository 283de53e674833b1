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

export const SERVE_USAGE = `usage: recagent serve [--dataset NAME|DIR | --interactions FILE [--items FILE]] [--model auto|NAME]
                     [--tune-budget SECONDS | --no-tune] [--host 127.0.0.1] [--port 8787] [--artifacts DIR]
                     [--config FILE.json] [--workers N]
  Trains the model and builds the LanceDB table on first start (kept in --artifacts), then serves HTTP
  from --workers processes (default: one per core; 1 serves from a single process).
  The build first chooses on validation carved from the data (each user's last 20% of rows), within
  --tune-budget seconds (default ${DEFAULT_TUNE_BUDGET_SECONDS}): with --model auto (the default) the model or a blend of two, with a
  named model its parameters; and the value and recency weighting. --no-tune trains the named model's defaults
  (or the config file's "params"). The choice and its report (tuning-report.json) are kept in the build.
  Environment: HOST, PORT, WORKERS, RECAGENT_API_KEY (enables writes), RECAGENT_READ_KEY (guards reads), LOG_LEVEL (default info).`;

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
        "tune-budget": { type: "string" }, "no-tune": { type: "boolean" },
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
  const { config: _config, "tune-budget": tuneBudget, "no-tune": noTune, ...rest } = flags;
  const merged = {
    host: env.HOST,
    port: env.PORT,
    workers: env.WORKERS,
    apiKey: env.RECAGENT_API_KEY || undefined,
    readKey: env.RECAGENT_READ_KEY || undefined,
    artifacts: env.RECAGENT_ARTIFACTS,
    ...file,
    ...Object.fromEntries(Object.entries({ ...rest, tuneBudget, tune: noTune ? false : undefined }).filter(([, v]) => v !== undefined)),
  };
  const parsed = ServiceConfig.safeParse(Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)));
  if (!parsed.success) throw new InputError(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Where a server process's state comes from. Alone (standaloneState) it owns the logs and writes LanceDB; a
 * cluster worker (cluster.node.ts) reads what the primary wrote and hands its own writes to the primary.
 */
export interface StateSource {
  open(config: ServiceConfig, log: (line: string) => void): Promise<{
    artifacts: Artifacts;
    /** The LanceDB side of the index: full-text search, and the durable copy of catalog changes. */
    durable: VectorIndex;
    catalogChanges: CatalogChange[];
    feedbackEvents: FeedbackEvent[];
    logs: NonNullable<ServiceInputs["logs"]>;
  }>;
  /** Runs with the services assembled, before the port opens. */
  beforeListen?(services: Services): Promise<void>;
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

/** Builds (or reuses) the artifacts and serves the API until close() is called. */
export async function startServer(
  config: ServiceConfig,
  log: (line: string) => void = (l) => console.error(l),
  env: Record<string, string | undefined> = process.env,
  state: StateSource = standaloneState,
): Promise<RunningServer> {
  const { artifacts, durable, catalogChanges, feedbackEvents, logs } = await state.open(config, log);
  const models = restoreServedModels(artifacts.saved, artifacts.companion);
  // A flat scan for a catalog up to HNSW_ABOVE_ITEMS items, an HNSW graph above (query-mirror.node.ts), saved beside
  // the artifacts by the first process to build it and loaded by the others; catalog changes are replayed on top.
  const mirror = queryMirrorFor(artifacts.items, models.space.itemVectors(), models.space.factors, { graphDir: artifacts.dir, log });
  const index = new MirroredIndex(durable, mirror);
  const observability = nodeObservability({ index, level: env.LOG_LEVEL });
  const services = await assembleServices({
    saved: artifacts.saved,
    models,
    items: artifacts.items,
    index,
    contentMap: artifacts.contentMap,
    catalogChanges,
    feedbackEvents,
    logs,
    llm: observability.observeLlm(createLlmClient(llmConfigFromEnv(env), { cache: new FileCache(join(artifacts.dir, "llm-cache")) })),
  });
  await state.beforeListen?.(services);
  const app = createApp({ ...services, writeKey: config.apiKey, readKey: config.readKey, chatStateKey: env.RECAGENT_STATE_KEY || undefined, maxBodyBytes: config.maxBodyBytes, logger: observability.logger, metrics: observability.metrics });
  const headers = Object.entries(state.headers ?? {});
  const fetch: typeof app.fetch = !headers.length ? app.fetch : async (...args) => {
    const res = await app.fetch(...args);
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
  const llm = services.llm.enabled ? `LLM ${services.llm.modelFor("rerank")}` : "no LLM (set OPENAI_BASE_URL to enable)";
  log(`recagent serving ${artifacts.manifest.chosen} over ${await index.count()} items (${index.kind}), ${llm}, on ${url}`);
  return { url, close: drainingClose(server as Server, config.shutdownGraceMs) };
}

/** `recagent serve`: runs until SIGINT/SIGTERM, then stops accepting, finishes in-flight requests (drainingClose) and exits. */
export async function serveCommand(argv: string[]): Promise<number> {
  let running: RunningServer;
  try {
    const config = serviceConfig(argv, process.env);
    const workers = config.workers ?? availableParallelism();
    running = workers > 1 ? await startCluster(config, { workers }) : await startServer(config);
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
