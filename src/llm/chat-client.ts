/**
 * What every LlmClient does whatever the endpoint: per-stage models, budgets and deadlines, the response cache,
 * the concurrency limit, timeouts, retries with backoff, usage accounting and structured-output validation.
 * A ChatTransport supplies only the endpoint's part: the request body, one attempt, and what its errors mean.
 * Implemented over the openai SDK (openai-client.ts) and over the Workers AI binding (workers-ai.ts).
 */
import type { z } from "zod";
import { cacheKey, type LlmCache } from "./cache.ts";
import type { LlmConfig } from "./config.ts";
import { isDeadlineReason } from "./deadline.ts";
import { retryDelayMs, type Sleep, sleep } from "./retry.ts";
import { Semaphore } from "./semaphore.ts";
import { parseAnswer } from "./structured-output.ts";
import { countPromptTokens, countTokens, promptFits } from "./tokens.ts";
import { type LlmClient, LlmError, type LlmFailure, type LlmRequest, type LlmResult, type LlmUsage, NO_USAGE } from "./types.ts";

export interface ChatClientDeps {
  cache?: LlmCache;
  /** Clock for latency accounting, in milliseconds. */
  now?: () => number;
  /** Waits between retries (tests record the delays instead of waiting). */
  sleep?: Sleep;
}

/** What one successful attempt returned. */
export interface ChatReply {
  /** The answer as text (a structured answer the endpoint already parsed is serialised back to JSON). */
  text: string;
  /** The model the endpoint says answered, when it says. */
  model?: string;
  /** Token counts the endpoint reported; missing ones are counted here. */
  promptTokens?: number;
  completionTokens?: number;
  /** The answer stopped at max tokens. */
  truncated?: boolean;
}

/** The endpoint-specific part of an LlmClient. */
export interface ChatTransport<Body> {
  /** The request as the endpoint takes it; also what the response cache is keyed by. */
  body(req: LlmRequest<unknown>, model: string): Body;
  /** One attempt; rejects on any failure. `signal` aborts on the caller's signal or the attempt's timeout. */
  send(body: Body, signal: AbortSignal): Promise<ChatReply>;
  /** What a rejection of `send` means, when neither the caller nor the attempt timeout aborted it. */
  classify(error: unknown, nowMs: number): AttemptFailure;
}

/** Why one attempt failed, and whether another attempt may succeed. */
export class AttemptFailure {
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

/**
 * An LlmClient over `transport`. 429, 408, 5xx and network errors are retried with backoff (as the transport
 * classifies them); timeouts are not (a stage would rather fall back than wait twice), nor are malformed answers.
 */
export function createChatClient<Body>(config: LlmConfig, transport: ChatTransport<Body>, deps: ChatClientDeps = {}): LlmClient {
  const slots = new Semaphore(config.concurrency);
  const now = deps.now ?? Date.now;
  const wait = deps.sleep ?? sleep;
  const modelFor = (stage: string) => config.models[stage] ?? config.model;
  const promptBudget = (stage: string) => config.promptBudgets[stage] ?? config.promptBudget;
  const deadlineMs = (stage: string) => config.deadlines[stage] ?? config.deadlineMs;

  /** One attempt, bounded by its own timeout and by the caller's signal. */
  async function attempt(body: Body, callerSignal: AbortSignal | undefined): Promise<ChatReply | AttemptFailure> {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), config.timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout.signal]) : timeout.signal;
    try {
      return await transport.send(body, signal);
    } catch (e) {
      // The signals first: an SDK reports either abort as a user abort.
      if (callerSignal?.aborted) {
        const reason = abortFailure(callerSignal);
        return new AttemptFailure(reason, reason === "timeout" ? "The stage's deadline passed before the LLM endpoint answered" : "The caller aborted the LLM request", false, e);
      }
      if (timeout.signal.aborted) return new AttemptFailure("timeout", "The LLM endpoint did not answer in time", false, e);
      return transport.classify(e, now());
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
    const body = transport.body(req as LlmRequest<unknown>, model);
    const decode = (text: string) => (req.schema ? parseAnswer(text, req.schema as z.ZodType<T>) : { ok: true as const, value: text as T });

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
      let reply = await attempt(body, req.signal);
      while (reply instanceof AttemptFailure) {
        const failure = reply;
        if (!failure.retryable || retries >= config.maxRetries) throw failure.toLlmError(spent());
        const delay = retryDelayMs(retries, { baseMs: config.retryBaseMs, maxMs: config.retryMaxMs, retryAfterMs: failure.retryAfterMs });
        retries++;
        await wait(delay, req.signal).catch((cause) => {
          throw new LlmError(abortFailure(req.signal), "The request gave up while waiting to retry", { cause, usage: spent() });
        });
        reply = await attempt(body, req.signal);
      }
      const { text } = reply;
      // Endpoints that omit usage still cost tokens: count them ourselves.
      const usage = spent({
        promptTokens: reply.promptTokens ?? countPromptTokens(req.prompt),
        completionTokens: reply.completionTokens ?? countTokens(text),
      });
      const answer = decode(text);
      if (!answer.ok) {
        const cut = reply.truncated ? " (the answer was cut off at max tokens)" : "";
        throw new LlmError("malformed", `${req.prompt.id} v${req.prompt.version}: ${answer.problem}${cut}`, { usage });
      }
      if (key !== undefined) await deps.cache?.set(key, text);
      return { value: answer.value, text, model: reply.model || model, usage };
    } finally {
      release();
    }
  }

  return { enabled: true, modelFor, promptBudget, deadlineMs, generate };
}

/** An aborted signal's failure: "timeout" when a deadline fired, "aborted" when the caller left. */
function abortFailure(signal: AbortSignal | undefined): "timeout" | "aborted" {
  return isDeadlineReason(signal?.reason) ? "timeout" : "aborted";
}
