import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import type { ChatCompletion } from "openai/resources/chat/completions";
import { cacheKey, type LlmCache } from "./cache.ts";
import { type LlmConfig, llmEnabled } from "./config.ts";
import { isDeadlineReason } from "./deadline.ts";
import { retryAfterMs, retryDelayMs, type Sleep, sleep } from "./retry.ts";
import { Semaphore } from "./semaphore.ts";
import { parseAnswer, responseFormatFor } from "./structured-output.ts";
import { countPromptTokens, countTokens, promptFits } from "./tokens.ts";
import { type LlmClient, LlmError, type LlmFailure, type LlmRequest, type LlmResult, type LlmUsage, NO_USAGE } from "./types.ts";

export interface LlmClientDeps {
  /** Replaces the global fetch (tests route it into the fake server; no socket needed). */
  fetch?: (url: string | URL | Request, init?: RequestInit) => Promise<Response>;
  cache?: LlmCache;
  /** Clock for latency accounting, in milliseconds. */
  now?: () => number;
  /** Waits between retries (tests record the delays instead of waiting). */
  sleep?: Sleep;
}

const OPENAI_BASE_URL = "https://api.openai.com/v1";

export function disabledLlmClient(): LlmClient {
  return {
    enabled: false,
    modelFor: () => "none",
    promptBudget: () => 0,
    deadlineMs: () => 0,
    generate: async () => {
      throw new LlmError("disabled", "No LLM endpoint is configured: set OPENAI_BASE_URL and/or OPENAI_API_KEY");
    },
  };
}

/**
 * An LlmClient over the openai SDK's chat.completions, for any OpenAI-compatible endpoint. Retries are ours
 * (the SDK's are off) so they are counted: 429, 408, 5xx and network errors are retried with backoff;
 * timeouts are not (a stage would rather fall back than wait twice), nor are malformed answers.
 */
export function createLlmClient(config: LlmConfig, deps: LlmClientDeps = {}): LlmClient {
  if (!llmEnabled(config)) return disabledLlmClient();
  const openai = new OpenAI({
    // Everything explicit, so the SDK does not fill gaps from process.env.
    baseURL: config.baseURL ?? OPENAI_BASE_URL,
    apiKey: config.apiKey ?? "unused",
    organization: null,
    project: null,
    maxRetries: 0,
    timeout: config.timeoutMs,
    logLevel: "off",
    ...(deps.fetch && { fetch: deps.fetch }),
  });
  const slots = new Semaphore(config.concurrency);
  const now = deps.now ?? Date.now;
  const wait = deps.sleep ?? sleep;
  const modelFor = (stage: string) => config.models[stage] ?? config.model;
  const promptBudget = (stage: string) => config.promptBudgets[stage] ?? config.promptBudget;
  const deadlineMs = (stage: string) => config.deadlines[stage] ?? config.deadlineMs;

  /** One HTTP attempt, bounded by its own timeout and by the caller's signal. */
  async function attempt(body: OpenAI.ChatCompletionCreateParamsNonStreaming, callerSignal: AbortSignal | undefined): Promise<ChatCompletion | AttemptFailure> {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), config.timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout.signal]) : timeout.signal;
    try {
      return await openai.chat.completions.create(body, { signal });
    } catch (e) {
      return classify(e, callerSignal, timeout.signal, now());
    } finally {
      clearTimeout(timer);
    }
  }

  async function generate<T>(req: LlmRequest<T>): Promise<LlmResult<T>> {
    const model = modelFor(req.stage);
    const budget = promptBudget(req.stage);
    if (!promptFits(req.prompt, budget)) {
      throw new LlmError("budget", `Prompt ${req.prompt.id} v${req.prompt.version} needs ${countPromptTokens(req.prompt)} tokens; stage ${req.stage} allows ${budget}`);
    }
    const responseFormat = responseFormatFor(req.schema, config.outputMode, req.prompt.id);
    const body: OpenAI.ChatCompletionCreateParamsNonStreaming = {
      model,
      messages: req.prompt.messages,
      temperature: req.temperature ?? 0,
      ...(req.maxTokens !== undefined && { max_tokens: req.maxTokens }),
      ...(responseFormat && { response_format: responseFormat }),
    };
    const decode = (text: string) => (req.schema ? parseAnswer(text, req.schema) : { ok: true as const, value: text as T });

    // The schema's name too: in text mode the body alone does not say whether a structured answer was wanted.
    const key = deps.cache && (await cacheKey({ body, schema: req.schema ? req.prompt.id : null }));
    const cached = key === undefined ? undefined : await deps.cache?.get(key);
    const fromCache = cached === undefined ? undefined : decode(cached);
    if (cached !== undefined && fromCache?.ok) {
      return { value: fromCache.value, text: cached, model, usage: { ...NO_USAGE, calls: 1, cachedCalls: 1 } };
    }

    const release = await slots.acquire(req.signal).catch((cause) => {
      throw new LlmError(abortFailure(req.signal), "The request gave up while it waited for a free slot", { cause });
    });
    const started = now();
    let retries = 0;
    const spent = (tokens?: Pick<LlmUsage, "promptTokens" | "completionTokens">): LlmUsage => ({
      ...NO_USAGE,
      ...tokens,
      calls: 1,
      retries,
      latencyMs: now() - started,
    });
    try {
      let completion = await attempt(body, req.signal);
      while (completion instanceof AttemptFailure) {
        const failure = completion;
        if (!failure.retryable || retries >= config.maxRetries) throw failure.toLlmError(spent());
        const delay = retryDelayMs(retries, { baseMs: config.retryBaseMs, maxMs: config.retryMaxMs, retryAfterMs: failure.retryAfterMs });
        retries++;
        await wait(delay, req.signal).catch((cause) => {
          throw new LlmError(abortFailure(req.signal), "The request gave up while waiting to retry", { cause, usage: spent() });
        });
        completion = await attempt(body, req.signal);
      }
      const choice = completion.choices[0];
      const text = choice?.message?.content ?? "";
      // Servers that omit usage still cost tokens: count them ourselves.
      const usage = spent({
        promptTokens: completion.usage?.prompt_tokens ?? countPromptTokens(req.prompt),
        completionTokens: completion.usage?.completion_tokens ?? countTokens(text),
      });
      const answer = decode(text);
      if (!answer.ok) {
        const cut = choice?.finish_reason === "length" ? " (the answer was cut off at max tokens)" : "";
        throw new LlmError("malformed", `${req.prompt.id} v${req.prompt.version}: ${answer.problem}${cut}`, { usage });
      }
      if (key !== undefined) await deps.cache?.set(key, text);
      return { value: answer.value, text, model: completion.model || model, usage };
    } finally {
      release();
    }
  }

  return { enabled: true, modelFor, promptBudget, deadlineMs, generate };
}

/** Why one attempt failed, and whether another attempt may succeed. */
class AttemptFailure {
  constructor(
    readonly reason: LlmFailure,
    readonly message: string,
    readonly retryable: boolean,
    readonly cause: unknown,
    readonly retryAfterMs?: number,
  ) {}

  toLlmError(usage: LlmUsage): LlmError {
    return new LlmError(this.reason, this.message, { cause: this.cause, usage });
  }
}

function classify(e: unknown, callerSignal: AbortSignal | undefined, timeoutSignal: AbortSignal, nowMs: number): AttemptFailure {
  // Check the signals first: the SDK reports either abort as a user abort.
  if (callerSignal?.aborted) {
    const reason = abortFailure(callerSignal);
    return new AttemptFailure(reason, reason === "timeout" ? "The stage's deadline passed before the LLM endpoint answered" : "The caller aborted the LLM request", false, e);
  }
  if (timeoutSignal.aborted || e instanceof APIConnectionTimeoutError) return new AttemptFailure("timeout", "The LLM endpoint did not answer in time", false, e);
  if (e instanceof APIConnectionError) return new AttemptFailure("network", `Could not reach the LLM endpoint: ${e.message}`, true, e);
  if (e instanceof APIError && e.status !== undefined) {
    const said = `The LLM endpoint answered ${e.status}: ${e.message}`;
    if (e.status === 429) return new AttemptFailure("rate_limited", said, true, e, retryAfterMs(e.headers, nowMs));
    if (e.status === 408) return new AttemptFailure("timeout", said, true, e);
    if (e.status >= 500) return new AttemptFailure("server_error", said, true, e, retryAfterMs(e.headers, nowMs));
    return new AttemptFailure("rejected", said, false, e);
  }
  // E.g. a 200 whose body is not a chat completion: the server is broken, and asking again will not fix it.
  return new AttemptFailure("server_error", `Unexpected reply from the LLM endpoint: ${e instanceof Error ? e.message : String(e)}`, false, e);
}

/** An aborted signal's failure: "timeout" when a deadline fired, "aborted" when the caller left. */
function abortFailure(signal: AbortSignal | undefined): "timeout" | "aborted" {
  return isDeadlineReason(signal?.reason) ? "timeout" : "aborted";
}
