import { Tiktoken } from "js-tiktoken/lite";
import cl100k from "js-tiktoken/ranks/cl100k_base";
import { LlmError, type RenderedPrompt } from "./types.ts";

/*
 * Token counts are a model-agnostic approximation: one BPE (cl100k_base) for every model. Llama, Qwen or
 * o200k tokenizers differ by a few percent, so budgets should keep some headroom. cl100k is used rather than
 * o200k because it is half the size in the Worker bundle and builds faster.
 */
let encoder: Tiktoken | undefined;
// Building the encoder parses ~1 MB of ranks (hundreds of ms): only on first use, never at import.
const tokenizer = () => (encoder ??= new Tiktoken(cl100k));

const utf8 = new TextEncoder();

/** A byte-level BPE token covers at least one UTF-8 byte, so the byte length bounds the token count. */
const surelyWithin = (text: string, maxTokens: number) => text.length <= maxTokens && utf8.encode(text).length <= maxTokens;

export function countTokens(text: string): number {
  return text === "" ? 0 : tokenizer().encode(text).length;
}

// OpenAI's chat framing: about 3 tokens per message plus 3 priming the reply.
const TOKENS_PER_MESSAGE = 3;
const TOKENS_REPLY_PRIMING = 3;

function framedText(prompt: RenderedPrompt): string {
  return prompt.messages.map((m) => m.content).join("");
}

export function countPromptTokens(prompt: RenderedPrompt): number {
  return countTokens(framedText(prompt)) + prompt.messages.length * TOKENS_PER_MESSAGE + TOKENS_REPLY_PRIMING;
}

/** True when the prompt needs at most `budget` tokens; skips tokenizing when the byte length already proves it. */
export function promptFits(prompt: RenderedPrompt, budget: number): boolean {
  const framing = prompt.messages.length * TOKENS_PER_MESSAGE + TOKENS_REPLY_PRIMING;
  return surelyWithin(framedText(prompt), budget - framing) || countPromptTokens(prompt) <= budget;
}

/** Cuts `text` to at most `maxTokens` tokens, ending with `ellipsis` when something was cut. */
export function truncateTokens(text: string, maxTokens: number, ellipsis = "…"): string {
  if (surelyWithin(text, maxTokens)) return text;
  const tokens = tokenizer().encode(text);
  if (tokens.length <= maxTokens) return text;
  const room = Math.max(0, maxTokens - countTokens(ellipsis));
  // A cut inside a multi-byte character decodes to U+FFFD: drop it rather than show garbage.
  return tokenizer().decode(tokens.slice(0, room)).replace(/\uFFFD+$/, "").trimEnd() + ellipsis;
}

export interface FittedPrompt {
  prompt: RenderedPrompt;
  /** How many leading entries of the list made it into the prompt. */
  kept: number;
}

/**
 * Renders the prompt with the longest prefix of `entries` that fits `budget` prompt tokens, BEFORE any call.
 * Order `entries` by importance (e.g. history most recent first): the tail is dropped first.
 * Throws LlmError("budget") when even `minEntries` entries do not fit.
 */
export async function fitToBudget<E>(
  entries: readonly E[],
  budget: number,
  render: (kept: readonly E[]) => Promise<RenderedPrompt>,
  opts: { minEntries?: number } = {},
): Promise<FittedPrompt> {
  const min = Math.min(opts.minEntries ?? 0, entries.length);
  const full = await render(entries);
  if (promptFits(full, budget)) return { prompt: full, kept: entries.length };
  const smallest = await render(entries.slice(0, min));
  if (!promptFits(smallest, budget)) {
    throw new LlmError(
      "budget",
      `Prompt ${smallest.id} v${smallest.version} needs ${countPromptTokens(smallest)} tokens with ${min} entries; the budget is ${budget}`,
    );
  }
  // Binary search: prompt length grows with the number of entries; `lo` always fits, `hi` never does.
  let [lo, hi, best] = [min, entries.length, smallest];
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    const candidate = await render(entries.slice(0, mid));
    if (promptFits(candidate, budget)) [lo, best] = [mid, candidate];
    else hi = mid;
  }
  return { prompt: best, kept: lo };
}
