import type { z } from "zod";
import { AppError } from "../core/errors.ts";

/** A prompt after rendering: which template produced it, and the chat messages to send. */
export interface RenderedPrompt {
  id: string;
  version: string;
  messages: Array<{ role: "system" | "user" | "assistant"; content: string }>;
}

/** Cost accounting of one or more calls; added up across a request or an eval run. */
export interface LlmUsage {
  /** generate() calls, including those answered from the cache. */
  calls: number;
  /** Of those, answered from the response cache (no tokens spent, no request sent). */
  cachedCalls: number;
  /** HTTP attempts beyond the first one of each call (429, 5xx, network errors). */
  retries: number;
  promptTokens: number;
  completionTokens: number;
  /** Wall milliseconds spent waiting on the endpoint (attempts and backoff, not the concurrency queue), summed over calls. */
  latencyMs: number;
}

export const NO_USAGE: LlmUsage = { calls: 0, cachedCalls: 0, retries: 0, promptTokens: 0, completionTokens: 0, latencyMs: 0 };

export function addUsage(a: LlmUsage, b: LlmUsage): LlmUsage {
  return {
    calls: a.calls + b.calls,
    cachedCalls: a.cachedCalls + b.cachedCalls,
    retries: a.retries + b.retries,
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    latencyMs: a.latencyMs + b.latencyMs,
  };
}

export interface LlmRequest<T> {
  /** Which stage asks ("rerank", "metadata", "chat-parse", ...): picks the model from config and labels usage. */
  stage: string;
  prompt: RenderedPrompt;
  /** The answer must parse as JSON and validate against this schema; otherwise the call fails as "malformed". */
  schema?: z.ZodType<T>;
  maxTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
}

export interface LlmResult<T> {
  value: T;
  /** The raw text the model returned. */
  text: string;
  model: string;
  usage: LlmUsage;
}

/** Why an LLM stage could not produce an answer; callers fall back to their non-LLM path and say so. */
export type LlmFailure =
  | "disabled"
  | "timeout"
  | "rate_limited"
  | "server_error"
  /** The endpoint refused the request itself (4xx other than 408/429: bad key, unknown model, unsupported parameter). */
  | "rejected"
  | "malformed"
  | "aborted"
  | "budget"
  | "network";

export class LlmError extends AppError {
  readonly reason: LlmFailure;
  /** Usage spent before failing (failed calls still cost tokens). */
  readonly usage: LlmUsage;

  constructor(reason: LlmFailure, message: string, opts: { cause?: unknown; usage?: LlmUsage } = {}) {
    super(`llm_${reason}`, message, { status: 502, cause: opts.cause });
    this.reason = reason;
    this.usage = opts.usage ?? NO_USAGE;
  }
}

/** The protocol every LLM stage talks to; implemented over the openai SDK, and by scripted fakes in tests. */
export interface LlmClient {
  /** False when no endpoint is configured: every stage then takes its non-LLM path. */
  readonly enabled: boolean;
  /** True for scripted fakes: an eval run against one says its figures test the harness, not a model. */
  readonly isFake?: boolean;
  /** The model a stage would use (for reports). */
  modelFor(stage: string): string;
  /** Prompt tokens a stage may send; stages trim their inputs to it (see fitToBudget) before calling. */
  promptBudget(stage: string): number;
  /** Wall milliseconds an interactive stage may spend on its calls (see withDeadline) before it falls back. */
  deadlineMs(stage: string): number;
  /** Throws LlmError on any failure; a request whose signal aborts with a TimeoutError (a deadline) fails as "timeout". */
  generate<T>(req: LlmRequest<T>): Promise<LlmResult<T>>;
}
