import { z } from "zod";
import { AppError } from "../core/errors.ts";
import type { LlmUsage } from "./types.ts";

/**
 * LLM configuration. Entry points build it with llmConfigFromEnv(process.env or the Worker env); nothing in
 * src/llm reads the environment. Environment variables (empty = unset):
 *
 *   OPENAI_BASE_URL              any OpenAI-compatible /v1 endpoint (OpenAI, Workers AI, vLLM, llama.cpp, Ollama)
 *   OPENAI_API_KEY               its key; local servers usually need none. Neither URL nor key => LLM disabled.
 *   RECAGENT_LLM_MODEL           default model (default gpt-4o-mini)
 *   RECAGENT_LLM_MODEL_<STAGE>   model for one stage, e.g. RECAGENT_LLM_MODEL_RERANK, RECAGENT_LLM_MODEL_CHAT_PARSE
 *   RECAGENT_LLM_TIMEOUT_MS      per attempt, default 30000
 *   RECAGENT_LLM_DEADLINE_MS     the whole of an interactive stage (rerank, chat-parse, chat-reply: attempts, retries
 *                                and the wait for a free slot), default 3000; then the stage falls back, labelled timeout
 *   RECAGENT_LLM_DEADLINE_MS_<STAGE>  the deadline of one stage, e.g. RECAGENT_LLM_DEADLINE_MS_CHAT_REPLY
 *   RECAGENT_LLM_MAX_RETRIES     on 429/5xx/network, default 2
 *   RECAGENT_LLM_RETRY_BASE_MS   first backoff, doubled each retry, with jitter; default 500
 *   RECAGENT_LLM_RETRY_MAX_MS    cap on a backoff and on a server's Retry-After; default 20000
 *   RECAGENT_LLM_CONCURRENCY     requests in flight per client, default 4
 *   RECAGENT_LLM_BUDGET          prompt tokens per call, default 4000
 *   RECAGENT_LLM_BUDGET_<STAGE>  prompt tokens for one stage, e.g. RECAGENT_LLM_BUDGET_RERANK
 *   RECAGENT_LLM_PRICE_INPUT     USD per 1M prompt tokens, for cost reports; default 0 = unknown
 *   RECAGENT_LLM_PRICE_OUTPUT    USD per 1M completion tokens; default 0 = unknown
 *   RECAGENT_LLM_OUTPUT_MODE     json_schema (default) | json_object | text: how structured answers are requested.
 *                                Answers are always parsed from text too, so "text" works with any endpoint.
 *
 * Stage names are lower-case with dashes ("rerank", "metadata", "chat-parse", "chat-reply"); the
 * <STAGE> suffix is the same name upper-cased with underscores.
 */
export const OUTPUT_MODES = ["json_schema", "json_object", "text"] as const;
export type OutputMode = (typeof OUTPUT_MODES)[number];

const positiveInt = z.number().int().positive();
/** Ten minutes: far beyond any interactive wait, and within what setTimeout can count (2^31 - 1 ms). */
export const MAX_DEADLINE_MS = 600_000;
const deadline = positiveInt.max(MAX_DEADLINE_MS);
const nonNegative = z.number().min(0);

export const LlmConfig = z
  .object({
    baseURL: z.url().optional(),
    apiKey: z.string().min(1).optional(),
    model: z.string().min(1).default("gpt-4o-mini"),
    /** Per-stage model overrides, keyed by stage name. */
    models: z.record(z.string(), z.string().min(1)).default({}),
    timeoutMs: positiveInt.default(30_000),
    /** Wall time an interactive stage may spend on the LLM before it falls back (see withDeadline). */
    deadlineMs: deadline.default(3000),
    /** Per-stage deadlines, keyed by stage name. */
    deadlines: z.record(z.string(), deadline).default({}),
    maxRetries: z.number().int().min(0).max(10).default(2),
    retryBaseMs: nonNegative.default(500),
    retryMaxMs: nonNegative.default(20_000),
    concurrency: positiveInt.default(4),
    promptBudget: positiveInt.default(4000),
    /** Per-stage prompt token budgets, keyed by stage name. */
    promptBudgets: z.record(z.string(), positiveInt).default({}),
    priceInputPerMTok: nonNegative.default(0),
    priceOutputPerMTok: nonNegative.default(0),
    outputMode: z.enum(OUTPUT_MODES).default("json_schema"),
  })
  .strict();
export type LlmConfig = z.infer<typeof LlmConfig>;
export type LlmConfigInput = z.input<typeof LlmConfig>;

/** An endpoint is configured: a URL (local servers) or a key (OpenAI's default URL). */
export function llmEnabled(config: LlmConfig): boolean {
  return config.baseURL !== undefined || config.apiKey !== undefined;
}

const ENV_NAMES = {
  baseURL: "OPENAI_BASE_URL",
  apiKey: "OPENAI_API_KEY",
  model: "RECAGENT_LLM_MODEL",
  timeoutMs: "RECAGENT_LLM_TIMEOUT_MS",
  deadlineMs: "RECAGENT_LLM_DEADLINE_MS",
  maxRetries: "RECAGENT_LLM_MAX_RETRIES",
  retryBaseMs: "RECAGENT_LLM_RETRY_BASE_MS",
  retryMaxMs: "RECAGENT_LLM_RETRY_MAX_MS",
  concurrency: "RECAGENT_LLM_CONCURRENCY",
  promptBudget: "RECAGENT_LLM_BUDGET",
  priceInputPerMTok: "RECAGENT_LLM_PRICE_INPUT",
  priceOutputPerMTok: "RECAGENT_LLM_PRICE_OUTPUT",
  outputMode: "RECAGENT_LLM_OUTPUT_MODE",
} as const;
const NUMERIC_KEYS = new Set<string>(["timeoutMs", "deadlineMs", "maxRetries", "retryBaseMs", "retryMaxMs", "concurrency", "promptBudget", "priceInputPerMTok", "priceOutputPerMTok"]);
const STAGE_PREFIXES = { models: `${ENV_NAMES.model}_`, promptBudgets: `${ENV_NAMES.promptBudget}_`, deadlines: `${ENV_NAMES.deadlineMs}_` } as const;

const stageToEnvSuffix = (stage: string) => stage.toUpperCase().replace(/-/g, "_");
const envSuffixToStage = (suffix: string) => suffix.toLowerCase().replace(/_/g, "-");
// Number("") is 0 and Number("abc") is NaN: blank is "unset", garbage reaches zod and is reported by name.
const toNumber = (v: string) => Number(v.trim());

/** Pure: reads only the given record. Throws AppError("invalid_config") naming the variable at fault. */
export function llmConfigFromEnv(env: Record<string, unknown>): LlmConfig {
  const get = (name: string) => {
    const v = env[name];
    return typeof v === "string" && v.trim() !== "" ? v : undefined;
  };
  const perStage = { models: {} as Record<string, unknown>, promptBudgets: {} as Record<string, unknown>, deadlines: {} as Record<string, unknown> };
  const raw: Record<string, unknown> = { ...perStage };
  for (const [key, name] of Object.entries(ENV_NAMES)) {
    const v = get(name);
    if (v !== undefined) raw[key] = NUMERIC_KEYS.has(key) ? toNumber(v) : v.trim();
  }
  for (const name of Object.keys(env)) {
    const v = get(name);
    if (v === undefined) continue;
    for (const [key, prefix] of Object.entries(STAGE_PREFIXES) as Array<[keyof typeof perStage, string]>) {
      if (name.startsWith(prefix)) perStage[key][envSuffixToStage(name.slice(prefix.length))] = key === "models" ? v.trim() : toNumber(v);
    }
  }
  const parsed = LlmConfig.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${envNameOf(issue.path)}: ${issue.message}`);
  throw new AppError("invalid_config", `Invalid LLM configuration: ${problems.join("; ")}`, { cause: parsed.error });
}

function envNameOf(path: readonly PropertyKey[]): string {
  const [key, stage] = path.map(String);
  if (key in STAGE_PREFIXES && stage !== undefined) return STAGE_PREFIXES[key as keyof typeof STAGE_PREFIXES] + stageToEnvSuffix(stage);
  return ENV_NAMES[key as keyof typeof ENV_NAMES] ?? key;
}

/** USD spent, or undefined when the prices are not configured (0 means unknown, not free). */
export function llmCostUsd(usage: LlmUsage, config: Pick<LlmConfig, "priceInputPerMTok" | "priceOutputPerMTok">): number | undefined {
  if (config.priceInputPerMTok === 0 && config.priceOutputPerMTok === 0) return undefined;
  return (usage.promptTokens * config.priceInputPerMTok + usage.completionTokens * config.priceOutputPerMTok) / 1e6;
}
