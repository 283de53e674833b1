/**
 * A scripted stand-in for the Workers AI binding (`env.AI`), for tests in Node and workerd: wrangler and
 * miniflare do not simulate Workers AI locally. It checks what the real binding checks that this client could
 * get wrong (a model name, messages, JSON mode's response_format shape), answers in the binding's shape
 * (`{ response, usage }`, `response` already parsed in JSON mode), and fails the way the binding fails: an Error
 * whose message carries Workers AI's internal error code ("3040: Capacity temporarily exceeded").
 */
import type { WorkersAiBinding, WorkersAiChatInput } from "./workers-ai.ts";

/** What the stand-in does for one call. */
export type AiBehaviour =
  /** Answers `response` (an object only makes sense in JSON mode), with usage unless it is null. */
  | { response: unknown; usage?: { prompt_tokens: number; completion_tokens: number } | null; delayMs?: number }
  /** Answers this whole object as the binding's output (other shapes: OpenAI-style choices, garbage). */
  | { output: unknown; delayMs?: number }
  /** Throws like the binding: `${code}: ${message}`. */
  | { code: number; message: string; delayMs?: number };

export const aiReply = (response: unknown, more: { usage?: { prompt_tokens: number; completion_tokens: number } | null; delayMs?: number } = {}): AiBehaviour => ({ response, ...more });
export const aiError = (code: number, message = "scripted failure"): AiBehaviour => ({ code, message });
export const aiDelayed = (ms: number, then: AiBehaviour): AiBehaviour => ({ ...then, delayMs: ms });

export interface AiCall {
  model: string;
  inputs: WorkersAiChatInput;
}

export class FakeWorkersAi implements WorkersAiBinding {
  readonly calls: AiCall[] = [];
  private readonly script: AiBehaviour[] | ((call: AiCall) => AiBehaviour);

  constructor(script: AiBehaviour[] | ((call: AiCall) => AiBehaviour)) {
    this.script = Array.isArray(script) ? [...script] : script;
  }

  async run(model: string, inputs: WorkersAiChatInput, options?: { signal?: AbortSignal }): Promise<unknown> {
    const call = { model, inputs: structuredClone(inputs) };
    this.calls.push(call);
    if (!/^@(cf|hf)\//.test(model)) throw new Error(`5007: No such model ${model} or task`);
    if (!Array.isArray(inputs.messages) || inputs.messages.some((m) => typeof m.content !== "string" || !["system", "user", "assistant"].includes(m.role))) {
      throw new Error("5006: Error: required properties at '/' are 'messages'");
    }
    const format = inputs.response_format;
    if (format?.type === "json_schema" && (typeof format.json_schema !== "object" || "schema" in format.json_schema)) {
      throw new Error("5006: Error: response_format.json_schema must be a JSON schema");
    }
    const behaviour = Array.isArray(this.script) ? this.script.shift() : this.script(call);
    if (behaviour === undefined) throw new Error("3001: the stand-in's script has no answer left");
    if (behaviour.delayMs) await pause(behaviour.delayMs, options?.signal);
    if ("code" in behaviour) throw new Error(`${behaviour.code}: ${behaviour.message}`);
    if ("output" in behaviour) return behaviour.output;
    const usage = behaviour.usage === null ? {} : { usage: behaviour.usage ?? { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } };
    return { response: behaviour.response, ...usage };
  }
}

/** Waits `ms`; an abort ends the wait early (the caller stops waiting either way). */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
