/**
 * `recagent serve --workers N`: one HTTP server process per core on one port (node:cluster: the primary
 * accepts connections and hands them to the workers in turn). Each worker loads the model and the memory
 * mirror of the index for itself; the primary serves no requests: it builds the artifacts, owns the logs and
 * LanceDB as their single writer (write-broadcast.node.ts), replaces a worker that dies, and stops them all.
 *
 * Why processes and not worker threads: on Node 20 threads cannot share a listening socket (no reusePort
 * before Node 22.12), so one thread would have to read every request and pass it on; and a process isolates
 * what can kill it (the LanceDB native addon, running out of memory), so one failure costs one worker.
 */
import cluster, { type Worker } from "node:cluster";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { applyCatalogChanges } from "../agent/onboarding.ts";
import { ItemStore } from "../agent/item-store.ts";
import { ServiceConfig } from "../core/config.ts";
import { AppError } from "../core/errors.ts";
import { LanceDbIndex } from "../index/lancedb.node.ts";
import { TableView } from "../index/table-view.ts";
import { ensureArtifacts, openBuiltArtifacts } from "./artifacts.node.ts";
import { aggregateWorkerMetrics } from "./observability.node.ts";
import { type RunningServer, type StateSource, startServer } from "./node.ts";
import { ClusterWriter, type ToPrimary, type ToWorker, WorkerReplica } from "./write-broadcast.node.ts";

/** The environment variable that hands a worker its configuration. */
const CONFIG_ENV = "RECAGENT_WORKER_CONFIG";
/** Names the worker that answered, on every response: for operators, and for tests that pin a connection to one. */
export const WORKER_HEADER = "x-recagent-worker";

export interface ServingWorker {
  id: number;
  pid: number;
  rssMb: number;
}

export interface RunningCluster extends RunningServer {
  /** Workers serving now (booted, not exited). */
  serving(): ServingWorker[];
}

export interface ClusterOptions {
  workers: number;
  log?: (line: string) => void;
  /** Added to each worker's environment (LLM settings, keys). */
  env?: Record<string, string | undefined>;
  /** A broadcast a worker has not applied within this long gets the worker stopped (and replaced). */
  ackTimeoutMs?: number;
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

/** Starts the primary and `workers` workers; resolves once all of them serve, rejects if one cannot start. */
export async function startCluster(config: ServiceConfig, opts: ClusterOptions): Promise<RunningCluster> {
  const log = opts.log ?? ((line: string) => console.error(line));
  aggregateWorkerMetrics();
  const artifacts = await ensureArtifacts(config, log);
  const lance = await LanceDbIndex.open(artifacts.lancedbDir, { table: "items", dimension: artifacts.manifest.factors });
  // As a lone server does at start, bring LanceDB up to the catalog log (a crash may have come between the two);
  // the torn-line repair of replay() is the writer's job, done before any worker reads the logs.
  const trained = new Set(artifacts.saved.items);
  const isTrained = (id: string) => trained.has(id);
  const scratch = new ItemStore();
  await applyCatalogChanges(artifacts.catalogLog.replay(log), lance, scratch, isTrained);
  artifacts.feedbackLog.replay(log);

  const workers = new Map<number, Worker>();
  const ready = new Map<number, ServingWorker>();
  let stopping = false;
  let failuresInARow = 0;
  const writer = new ClusterWriter({
    logs: { catalog: artifacts.catalogLog, feedback: artifacts.feedbackLog },
    applyDurable: (change) => applyCatalogChanges([change], lance, scratch, isTrained),
    unresponsive: (id) => workers.get(id)?.process.kill("SIGKILL"),
    warn: (message) => log(`cluster: ${message}`),
    ackTimeoutMs: opts.ackTimeoutMs,
  });

  cluster.setupPrimary({
    exec: new URL("./cluster-worker.node.ts", import.meta.url).pathname,
    execArgv: ["--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href],
    args: [],
  });

  let url = "";
  let started: (() => void) | undefined;
  let failedToStart: ((e: Error) => void) | undefined;
  const allServing = new Promise<void>((resolve, reject) => {
    started = resolve;
    failedToStart = reject;
  });

  const fork = () => {
    const env = Object.fromEntries(Object.entries(opts.env ?? {}).filter(([, v]) => v !== undefined));
    const worker = cluster.fork({ ...env, [CONFIG_ENV]: JSON.stringify(config) });
    const bootedAt = performance.now();
    const send = (message: ToWorker) => worker.send(message, (error: Error | null) => error && writer.leave(worker.id));
    workers.set(worker.id, worker);
    worker.on("message", (message: ToPrimary) => {
      switch (message?.recagent) {
        case "hello":
          writer.join(worker.id, send);
          return;
        case "ack":
          writer.ack(worker.id, message.seq);
          return;
        case "caught-up":
          writer.promote(worker.id);
          return;
        case "write":
          writer.write(worker.id, message.write).then(
            () => send({ recagent: "written", id: message.id }),
            (e: unknown) => send({ recagent: "write-failed", id: message.id, message: String(e) }),
          );
          return;
        case "ready":
          url = message.url;
          failuresInARow = 0;
          ready.set(worker.id, { id: worker.id, pid: worker.process.pid ?? 0, rssMb: mb(message.rss) });
          if (started && ready.size === opts.workers) {
            const rss = [...ready.values()].map((w) => w.rssMb);
            const primary = mb(process.memoryUsage().rss);
            log(`recagent cluster: ${opts.workers} workers serving on ${url}; RSS per worker ${rss.join(", ")} MB, primary ${primary} MB, in all ${primary + rss.reduce((a, b) => a + b, 0)} MB`);
            started();
            started = undefined;
          } else if (!started) {
            log(`cluster: worker ${worker.id} (pid ${worker.process.pid}) serving after ${((performance.now() - bootedAt) / 1000).toFixed(1)} s, RSS ${mb(message.rss)} MB`);
          }
          return;
        case "failed":
          failedToStart?.(new AppError("worker_failed", `a worker could not start: ${message.message}`, { status: message.status }));
          return;
      }
    });
    worker.on("exit", (code, signal) => {
      workers.delete(worker.id);
      writer.leave(worker.id);
      const served = ready.delete(worker.id);
      if (stopping) return;
      if (started) {
        failedToStart?.(new AppError("worker_failed", `worker ${worker.id} exited with ${signal ?? `code ${code}`} while starting`));
        return;
      }
      // A worker that dies while booting is retried with a growing pause, so a persistent fault does not spin.
      const pause = served ? 0 : Math.min(30_000, 1000 * 2 ** failuresInARow++);
      log(`cluster: worker ${worker.id} (pid ${worker.process.pid}) exited with ${signal ?? `code ${code}`}; starting a replacement${pause ? ` in ${pause / 1000} s` : ""}`);
      setTimeout(() => stopping || fork(), pause);
    });
  };

  const stop = async () => {
    stopping = true;
    const exits = [...workers.values()].map((w) => new Promise((resolve) => (w.isDead() ? resolve(undefined) : w.once("exit", resolve))));
    for (const w of workers.values()) w.process.kill("SIGTERM");
    // Each worker drains for up to shutdownGraceMs (drainingClose); one that is still there after that is stuck.
    const force = setTimeout(() => {
      for (const w of workers.values()) w.process.kill("SIGKILL");
    }, config.shutdownGraceMs + 5_000);
    await Promise.all(exits);
    clearTimeout(force);
  };

  for (let i = 0; i < opts.workers; i++) fork();
  try {
    await allServing;
  } catch (e) {
    await stop();
    throw e;
  } finally {
    failedToStart = undefined;
  }
  return { url, close: stop, serving: () => [...ready.values()] };
}


/** The state of a worker: the primary's build and logs, read up to the cut, with its writes sent to the primary. */
function workerState(replica: WorkerReplica, workerId: number): StateSource {
  return {
    async open(config, log) {
      const artifacts = openBuiltArtifacts(config);
      const lance = await LanceDbIndex.open(artifacts.lancedbDir, { table: "items", dimension: artifacts.manifest.factors, readConsistencyInterval: 0 });
      const cut = await replica.join();
      return {
        artifacts,
        // The primary writes LanceDB before it sends a worker the change, so a worker only reads it.
        durable: new TableView(lance),
        catalogChanges: artifacts.catalogLog.readUpTo(cut.catalogBytes, log),
        feedbackEvents: artifacts.feedbackLog.readUpTo(cut.feedbackBytes, log),
        logs: replica.logs,
      };
    },
    beforeListen: (services) => replica.goLive(services),
    headers: { [WORKER_HEADER]: String(workerId) },
  };
}

/** A worker process's main (cluster-worker.node.ts): serve until the primary says SIGTERM, then finish and exit. */
export async function runClusterWorker(): Promise<void> {
  const id = cluster.worker?.id ?? 0;
  const send = (message: ToPrimary) => process.send?.(message);
  const replica = new WorkerReplica(send, (message) => console.error(`worker ${id}: ${message}`));
  process.on("message", (message) => replica.receive(message));
  // Ctrl-C reaches the whole process group; the primary decides when workers stop.
  process.on("SIGINT", () => {});
  try {
    const config = ServiceConfig.parse(JSON.parse(process.env[CONFIG_ENV] ?? "{}"));
    const running = await startServer(config, (line) => console.error(`worker ${id}: ${line}`), process.env, workerState(replica, id));
    process.once("SIGTERM", () => void running.close().then(() => process.exit(0)));
    send({ recagent: "ready", url: running.url, rss: process.memoryUsage().rss });
  } catch (e) {
    const failed: ToPrimary = { recagent: "failed", message: e instanceof Error ? e.message : String(e), status: AppError.isInstance(e) ? e.status : 500 };
    process.send?.(failed, undefined, undefined, () => process.exit(1));
  }
}
