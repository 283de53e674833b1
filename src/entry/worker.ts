import { OpenAPIHono } from "@hono/zod-openapi";
import type { DurableObjectNamespace } from "cloudflare:workers";
import { assembleServices, restoreServedModels } from "../agent/assemble.ts";
import { AppError } from "../core/errors.ts";
import { createApp } from "../http/app.ts";
import { MemoryCache } from "../llm/cache.ts";
import { loadWorkerArtifact, type WorkerArtifact } from "./worker-artifact.ts";
import { workerIndex, workerLlm } from "./worker-bindings.ts";
import type { WriteLogRpc } from "./worker-write-log.ts";
import { WorkerWrites } from "./worker-writes.ts";

// Durable Object classes must be exported by the Worker's main module.
export { WriteLog } from "./worker-write-log.ts";

/** The Worker's bindings (wrangler.toml). */
export interface WorkerEnv extends WorkerSettings {
  ASSETS: { fetch(input: Request | string): Promise<Response> };
}

/** The bindings besides the artifact's. */
export interface WorkerSettings {
  /** The write log (`[[durable_objects.bindings]]`); without it the deployment is read-only and writes answer 501. */
  WRITE_LOG?: DurableObjectNamespace<WriteLogRpc>;
  /** Bearer key for writes (a secret); without it writes answer 401. */
  RECAGENT_API_KEY?: string;
  RECAGENT_READ_KEY?: string;
  /** Name of the write log's object (default "main"): a new name starts an empty log, e.g. with a new artifact. */
  RECAGENT_WRITE_LOG?: string;
  /** OPENAI_BASE_URL, OPENAI_API_KEY and the RECAGENT_LLM_* settings, as vars or secrets. */
  [setting: string]: unknown;
}

/**
 * Opens the deployment's one write log object (one object: one order for every write), if the binding is
 * configured. Each call makes a new stub: a stub belongs to the request it was made in.
 */
export function writeLogOf(env: WorkerSettings): (() => WriteLogRpc) | undefined {
  const namespace = env.WRITE_LOG;
  if (!namespace) return undefined;
  const id = namespace.idFromName(text(env.RECAGENT_WRITE_LOG) ?? "main");
  return () => namespace.get(id);
}

export interface WorkerAppOptions {
  /** Opens the log writes are committed to (writeLogOf(env)); without it the deployment is read-only. */
  writeLog?: () => WriteLogRpc;
  /** Largest accepted request body (default 256 KiB, as on Node). */
  maxBodyBytes?: number;
}

/**
 * The API over an exported artifact, with a flat in-memory index (LanceDB is a native addon and cannot run in
 * workerd). With a write log, writes are committed there and every request first applies the writes other
 * isolates committed (worker-writes.ts); without one the deployment is read-only and writes answer 501.
 */
export async function createWorkerApp(artifact: WorkerArtifact, env: WorkerSettings, opts: WorkerAppOptions = {}): Promise<OpenAPIHono> {
  const { writeLog, maxBodyBytes } = opts;
  const models = restoreServedModels(artifact.saved, artifact.companion);
  // The LLM response cache lives as long as the isolate.
  const llm = workerLlm(env, { cache: new MemoryCache() });
  const writes = writeLog && new WorkerWrites(writeLog);
  const services = await assembleServices({ ...artifact, models, index: await workerIndex(env, models.space, artifact.items), llm, logs: writes?.logs });
  const app = createApp({ ...services, maxBodyBytes, writeKey: text(env.RECAGENT_API_KEY), readKey: text(env.RECAGENT_READ_KEY), chatStateKey: text(env.RECAGENT_STATE_KEY) });
  if (!writes) return app;
  await writes.start({ feedback: services.feedback, onboarding: services.onboarding });
  return catchingUp(app, writes);
}

/** Serves `app` after applying the writes committed before each request arrived. */
function catchingUp(app: OpenAPIHono, writes: WorkerWrites): OpenAPIHono {
  const outer = new OpenAPIHono();
  outer.all("*", async (c) => {
    const caughtUp = await writes.catchUp().then(
      () => true,
      (e: unknown) => (console.warn(`write log unreachable; serving this isolate's copy: ${String(e)}`), false),
    );
    const res = await app.fetch(c.req.raw);
    if (caughtUp) return res;
    // A labelled fallback: the answer may miss writes other isolates committed.
    const labelled = new Response(res.body, res);
    labelled.headers.set("x-recagent-writes", "stale");
    return labelled;
  });
  return outer;
}

const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);

let app: Promise<OpenAPIHono> | undefined;

export default {
  async fetch(request: Request, env: WorkerEnv): Promise<Response> {
    app ??= loadWorkerArtifact((name) => env.ASSETS.fetch(`https://assets.local/${name}`)).then((a) => createWorkerApp(a, env, { writeLog: writeLogOf(env) }));
    try {
      return (await app).fetch(request);
    } catch (e) {
      // A failed load is retried on the next request instead of being cached forever.
      app = undefined;
      const message = AppError.isInstance(e) ? e.message : "the model artifact could not be loaded";
      return Response.json({ error: "unavailable", message }, { status: 503 });
    }
  },
};
