import type { OpenAPIHono } from "@hono/zod-openapi";
import { assembleServices, memoryIndexOf, restoreServedModels } from "../agent/assemble.ts";
import { AppError } from "../core/errors.ts";
import { createApp } from "../http/app.ts";
import { MemoryCache } from "../llm/cache.ts";
import { llmConfigFromEnv } from "../llm/config.ts";
import { createLlmClient } from "../llm/openai-client.ts";
import { loadWorkerArtifact, type WorkerArtifact } from "./worker-artifact.ts";

/** The Worker's bindings (wrangler.toml). */
export interface WorkerEnv {
  ASSETS: { fetch(input: Request | string): Promise<Response> };
  RECAGENT_READ_KEY?: string;
  /** OPENAI_BASE_URL, OPENAI_API_KEY and the RECAGENT_LLM_* settings, as vars or secrets. */
  [setting: string]: unknown;
}

/**
 * The read API over an exported artifact, with a flat in-memory index (LanceDB is a native addon and
 * cannot run in workerd). Writes answer 501: a Worker isolate has no durable place for them.
 */
export async function createWorkerApp(artifact: WorkerArtifact, env: Omit<WorkerEnv, "ASSETS">): Promise<OpenAPIHono> {
  const models = restoreServedModels(artifact.saved, artifact.companion);
  // The LLM response cache lives as long as the isolate.
  const llm = createLlmClient(llmConfigFromEnv(env), { cache: new MemoryCache() });
  const services = await assembleServices({ ...artifact, models, index: memoryIndexOf(models.space, artifact.items), llm });
  const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  return createApp({ ...services, readKey: text(env.RECAGENT_READ_KEY), chatStateKey: text(env.RECAGENT_STATE_KEY) });
}

let app: Promise<OpenAPIHono> | undefined;

export default {
  async fetch(request: Request, env: WorkerEnv): Promise<Response> {
    app ??= loadWorkerArtifact((name) => env.ASSETS.fetch(`https://assets.local/${name}`)).then((a) => createWorkerApp(a, env));
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
