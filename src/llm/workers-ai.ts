/**
 * An LlmClient over the Workers AI binding (`[ai] binding = "AI"` in wrangler.toml): `env.AI.run(model,
 * { messages, max_tokens, temperature, response_format })`. chat-client.ts does budgets, cache, retries,
 * deadlines and validation exactly as for the OpenAI-compatible client; this file says how to ask and what the
 * binding's answers and errors mean.
 *
 * Structured output: Workers AI's JSON mode takes `response_format: { type: "json_schema", json_schema: <the
 * schema itself> }` (not OpenAI's { name, schema, strict } envelope) on the models that support it, and then
 * answers with `response` already parsed. It is asked for in json_schema mode (the default output mode); a
 * model without JSON mode needs RECAGENT_LLM_OUTPUT_MODE=text, and the answer is found in the text as for any
 * endpoint (parseAnswer). Either way the answer is validated against the zod schema here.
 */
import { AttemptFailure, type ChatClientDeps, type ChatReply, createChatClient } from "./chat-client.ts";
import type { LlmConfig } from "./config.ts";
import { responseFormatFor } from "./structured-output.ts";
import type { LlmClient, RenderedPrompt } from "./types.ts";

/** A text-generation model with JSON mode, fast enough for the interactive deadlines; RECAGENT_LLM_MODEL overrides. */
export const WORKERS_AI_DEFAULT_MODEL = "@cf/meta/llama-3.1-8b-instruct-fast";

/** The input of a Workers AI text-generation model, as this client sends it. */
export interface WorkersAiChatInput {
  messages: RenderedPrompt["messages"];
  temperature: number;
  max_tokens?: number;
  response_format?: { type: "json_object" } | { type: "json_schema"; json_schema: Record<string, unknown> };
}

/** The part of the `Ai` binding this client uses. */
export interface WorkersAiBinding {
  run(model: string, inputs: WorkersAiChatInput, options?: { signal?: AbortSignal }): Promise<unknown>;
}

interface Body {
  model: string;
  inputs: WorkersAiChatInput;
}

export function createWorkersAiClient(config: LlmConfig, ai: WorkersAiBinding, deps: ChatClientDeps = {}): LlmClient {
  return createChatClient<Body>(
    config,
    {
      body(req, model) {
        const format = responseFormatFor(req.schema, config.outputMode, req.prompt.id);
        const inputs: WorkersAiChatInput = { messages: req.prompt.messages, temperature: req.temperature ?? 0 };
        if (req.maxTokens !== undefined) inputs.max_tokens = req.maxTokens;
        if (format?.type === "json_schema") inputs.response_format = { type: "json_schema", json_schema: format.json_schema.schema };
        else if (format) inputs.response_format = format;
        return { model, inputs };
      },
      async send({ model, inputs }, signal) {
        // The signal is passed on, and also raced here: an answer that comes after it aborted is not waited for.
        return replyOf(await untilAborted(ai.run(model, inputs, { signal }), signal));
      },
      classify,
    },
    deps,
  );
}

/**
 * What the binding answered: `{ response, usage }` (response a string, or an object in JSON mode), or for
 * models with the OpenAI chat shape `{ choices: [{ message: { content }, finish_reason }], usage }`.
 */
function replyOf(output: unknown): ChatReply {
  if (typeof output !== "object" || output === null) throw new UnexpectedReply(`a ${output === null ? "null" : typeof output}`);
  const o = output as { response?: unknown; choices?: Array<{ message?: { content?: unknown }; finish_reason?: unknown }>; usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } };
  const tokens = (n: unknown) => (typeof n === "number" && Number.isFinite(n) ? n : undefined);
  const usage = { promptTokens: tokens(o.usage?.prompt_tokens), completionTokens: tokens(o.usage?.completion_tokens) };
  if (Array.isArray(o.choices)) {
    const choice = o.choices[0];
    return { text: textOf(choice?.message?.content ?? ""), truncated: choice?.finish_reason === "length", ...usage };
  }
  if (!("response" in o)) throw new UnexpectedReply(`an object without "response" (keys: ${Object.keys(o).join(", ") || "none"})`);
  return { text: textOf(o.response ?? ""), ...usage };
}

function textOf(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

class UnexpectedReply extends Error {
  constructor(what: string) {
    super(`Workers AI answered with ${what}`);
  }
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * The binding throws Errors whose message carries Workers AI's internal code (its errors page maps each to an
 * HTTP status): those statuses are classified as the OpenAI-compatible client classifies HTTP answers.
 */
const STATUS_OF_CODE: Record<string, number> = {
  "3001": 500,
  "3003": 400,
  "3006": 413,
  "3007": 408,
  "3008": 408,
  "3023": 403,
  "3036": 429,
  "3039": 400,
  "3040": 429,
  "3041": 403,
  "3042": 404,
  "5004": 400,
  "5005": 405,
  // Input that fails the model's schema: not in the table, but how the binding reports it ("5006: Error: oneOf at '/' not met").
  "5006": 400,
  "5007": 400,
  "5016": 403,
  "5018": 403,
  "5019": 405,
};

/** 3036: the account's daily allocation is used up; asking again today will not help. */
const EXHAUSTED_FOR_THE_DAY = "3036";

function classify(e: unknown): AttemptFailure {
  if (e instanceof UnexpectedReply) return new AttemptFailure("server_error", e.message, false, e);
  const message = e instanceof Error ? e.message : String(e);
  const code = /\b([35]\d{3})\b/.exec(message)?.[1];
  const status = code === undefined ? undefined : STATUS_OF_CODE[code];
  const said = `Workers AI failed${status ? ` (${status})` : ""}: ${message}`;
  if (status === 429) return new AttemptFailure("rate_limited", said, code !== EXHAUSTED_FOR_THE_DAY, e);
  if (status === 408) return new AttemptFailure("timeout", said, true, e);
  if (status !== undefined && status < 500) return new AttemptFailure("rejected", said, false, e);
  // 3001, an unlisted code or none: the platform failed, and another attempt may land elsewhere.
  return new AttemptFailure("server_error", said, true, e);
}
