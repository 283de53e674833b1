import type { LlmConfigInput } from "../llm/config.ts";
import { type ChatRequestBody, type FakeBehaviour, fakeLlmClient, reply } from "../llm/fake-server.ts";

/*
 * A scripted listwise "model" for the fake OpenAI-compatible server: it reads what each rank-listwise request
 * showed and answers with labels. Tests script it; `evals/run.node.ts --fake` runs the harness with it.
 */

/** What a rank-listwise request showed the model: candidate lines in label order (label k = index k - 1) and history lines. */
export interface Shown {
  candidates: string[];
  history: string[];
}

function block(text: string, tag: string): string[] {
  const m = new RegExp(`<${tag}>\\n([\\s\\S]*?)\\n</${tag}>`).exec(text);
  if (!m) throw new Error(`no <${tag}> block in the prompt`);
  return m[1].split("\n");
}

export function shownIn(body: ChatRequestBody): Shown {
  const user = body.messages.find((m) => m.role === "user")?.content ?? "";
  return {
    candidates: block(user, "candidates").map((line) => line.replace(/^\[\d+\] /, "")),
    history: block(user, "history").map((line) => line.replace(/^- /, "")),
  };
}

/** Every answer reports this usage, so tests can add it up exactly. */
export const CALL_TOKENS = { prompt_tokens: 100, completion_tokens: 10 };

/** A valid answer of these labels. */
export const labels = (...ls: Array<number | string>): FakeBehaviour => reply(ls, { usage: CALL_TOKENS });

/** Labels of the shown candidates, best first by `preference` (candidate lines). */
export const prefer = (preference: readonly string[]) => (shown: Shown): FakeBehaviour =>
  labels(...shown.candidates.map((line, p) => ({ line, label: p + 1 })).sort((a, b) => preference.indexOf(a.line) - preference.indexOf(b.line)).map((x) => x.label));

/**
 * A model that keeps the order it is shown (pure position bias): B = 1 reproduces retrieval order. Its usage is
 * the fake server's estimate from the prompt's length, so a harness run still shows what the prompts weigh.
 */
export const echoShownOrder = (shown: Shown): FakeBehaviour => reply(shown.candidates.map((_, p) => String(p + 1)));

/**
 * The real openai-client over the scripted fake server: `decide` sees what each request showed. A frozen clock
 * makes latency 0, so usage is exact.
 */
export function fakeRanker(decide: (shown: Shown, index: number) => FakeBehaviour, config: Partial<LlmConfigInput> = {}) {
  return fakeLlmClient(({ index, body }) => decide(shownIn(body), index), config, { now: () => 0 });
}
