/**
 * Which index and which LLM the Worker uses, from its bindings and vars (wrangler.toml):
 *  - index: a `[[vectorize]]` binding named VECTORIZE -> VectorizeIndex over it (the catalog's vectors stay in
 *    Vectorize); otherwise a flat MemoryIndex over the exported artifact.
 *  - LLM: an OpenAI-compatible endpoint when one is configured (OPENAI_BASE_URL, or OPENAI_API_KEY for OpenAI
 *    itself); otherwise the `[ai]` binding named AI -> Workers AI (model RECAGENT_LLM_MODEL, default
 *    WORKERS_AI_DEFAULT_MODEL); otherwise disabled (every stage takes its non-LLM path).
 */
import { memoryIndexOf } from "../agent/assemble.ts";
import { AppError } from "../core/errors.ts";
import type { Item } from "../core/types.ts";
import type { VectorIndex } from "../index/types.ts";
import type { VectorizeBinding } from "../index/vectorize-binding.ts";
import { VectorizeIndex } from "../index/vectorize.ts";
import type { ChatClientDeps } from "../llm/chat-client.ts";
import { llmConfigFromEnv, llmEnabled } from "../llm/config.ts";
import { createLlmClient, disabledLlmClient } from "../llm/openai-client.ts";
import type { LlmClient } from "../llm/types.ts";
import { createWorkersAiClient, WORKERS_AI_DEFAULT_MODEL, type WorkersAiBinding } from "../llm/workers-ai.ts";
import type { FactorRecommender } from "../models/recommender.ts";

/** The binding names wrangler.toml declares. */
export const BINDINGS = { vectorize: "VECTORIZE", ai: "AI" } as const;

type Env = Record<string, unknown>;

const hasMethods = <T>(value: unknown, ...methods: string[]): value is T =>
  typeof value === "object" && value !== null && methods.every((m) => typeof (value as Record<string, unknown>)[m] === "function");

/**
 * The index the Worker serves from. With Vectorize, the index's dimensions are checked against the model's
 * item space once, here, so a mismatch says what to do instead of failing every query.
 */
export async function workerIndex(env: Env, space: FactorRecommender, items: readonly Item[]): Promise<VectorIndex> {
  const binding = env[BINDINGS.vectorize];
  if (!hasMethods<VectorizeBinding>(binding, "query", "upsert", "deleteByIds", "getByIds", "describe")) return memoryIndexOf(space, items);
  const { dimensions } = await binding.describe();
  if (dimensions !== space.factors) {
    throw new AppError(
      "invalid_config",
      `The Vectorize index bound as ${BINDINGS.vectorize} has ${dimensions} dimensions; the model's item vectors have ${space.factors}. Create an index with --dimensions=${space.factors} and fill it from \`recagent export --vectorize\` (README, Vectorize).`,
    );
  }
  return new VectorizeIndex(binding, { dimension: space.factors, catalog: items });
}

/** The LLM client the Worker's stages use (see the file comment for the order). */
export function workerLlm(env: Env, deps: ChatClientDeps = {}): LlmClient {
  const config = llmConfigFromEnv(env);
  if (llmEnabled(config)) return createLlmClient(config, deps);
  const ai = env[BINDINGS.ai];
  if (!hasMethods<WorkersAiBinding>(ai, "run")) return disabledLlmClient();
  // The OpenAI default model means nothing to Workers AI: an unset model becomes a Workers AI one.
  const model = typeof env.RECAGENT_LLM_MODEL === "string" && env.RECAGENT_LLM_MODEL.trim() !== "" ? env.RECAGENT_LLM_MODEL : WORKERS_AI_DEFAULT_MODEL;
  return createWorkersAiClient(llmConfigFromEnv({ ...env, RECAGENT_LLM_MODEL: model }), ai, deps);
}
