import { withDeadline } from "../../llm/deadline.ts";
import { renderPrompt } from "../../llm/prompts.ts";
import { type LlmClient, LlmError, type LlmUsage } from "../../llm/types.ts";
import type { RecommendedItem } from "../recommend-service.ts";
import { describeState, orList, type PreferenceState, type Question } from "./state.ts";

export const REPLY_STAGE = "chat-reply";
/** Items the reply prompt presents; the cards show the rest. */
const PROMPT_ITEMS = 5;
const MAX_REPLY_CHARS = 1200;

/** What a reply is about: the turn's outcome, independent of who writes the words. */
export interface ReplyContext {
  state: PreferenceState;
  message: string;
  recommendations: readonly RecommendedItem[];
  question?: Question;
  /** Titles the user named that the catalog does not have. */
  unresolved: readonly string[];
}

function questionText(q: Question): string {
  return q.attribute === "genre" ? `What are you in the mood for: ${orList(q.options)}?` : `Any particular era: ${orList(q.options.map((o) => `the ${o}`))}?`;
}

/** The reply without an LLM: what was understood, what is shown, and the question. */
export function templateReply(ctx: ReplyContext): string {
  const understood = describeState(ctx.state);
  const parts = [understood ? `Looking for: ${understood}.` : "Tell me a film you liked, or what you are in the mood for."];
  if (ctx.unresolved.length) parts.push(`I could not find ${orList(ctx.unresolved.map((t) => `"${t}"`))} in the catalog.`);
  const first = ctx.recommendations[0];
  if (first) {
    const n = ctx.recommendations.length;
    parts.push(n === 1 ? `Here is one pick: ${label(first)}.` : `Here are ${n} picks, starting with ${label(first)}.`);
  } else {
    parts.push("Nothing in the catalog matches all of that; try dropping a constraint.");
  }
  if (ctx.question) parts.push(questionText(ctx.question));
  return parts.join(" ");
}

const label = (item: RecommendedItem) => (item.year === undefined ? item.title : `${item.title} (${item.year})`);

/**
 * The chat-reply prompt: every value is data in its delimited block. Throws LlmError on failure, an empty answer
 * or when the stage's deadline passes ("timeout").
 */
export async function llmReply(llm: LlmClient, ctx: ReplyContext, signal?: AbortSignal): Promise<{ text: string; usage: LlmUsage }> {
  const recommendations = ctx.recommendations.length
    ? ctx.recommendations
        .slice(0, PROMPT_ITEMS)
        .map((item, i) => `${i + 1}. ${label(item)}${item.reasons.length ? ` - like ${item.reasons.join(" and ")}` : ""}`)
        .join("\n")
    : "(none)";
  const prompt = await renderPrompt(REPLY_STAGE, {
    state: describeState(ctx.state) || "nothing yet",
    message: ctx.message,
    recommendations,
    question: ctx.question ? questionText(ctx.question) : "(none)",
  });
  const { value, usage } = await withDeadline(llm.deadlineMs(REPLY_STAGE), signal, (s) => llm.generate<string>({ stage: REPLY_STAGE, prompt, signal: s }));
  const text = value.trim();
  if (!text) throw new LlmError("malformed", "chat-reply: the model answered with an empty reply", { usage });
  return { text: text.slice(0, MAX_REPLY_CHARS), usage };
}
