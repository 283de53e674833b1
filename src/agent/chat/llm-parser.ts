import { ChatParseAnswer } from "../../llm/answers.ts";
import { withDeadline } from "../../llm/deadline.ts";
import { renderPrompt } from "../../llm/prompts.ts";
import type { LlmClient, LlmUsage } from "../../llm/types.ts";
import { MAX_K, type PreferenceState, type StateUpdate, type TitleRef } from "./state.ts";
import type { TitleResolver } from "./titles.ts";
import type { ChatVocabulary } from "./vocabulary.ts";

export const PARSE_STAGE = "chat-parse";
const MAX_TERM = 60;

export interface LlmParse {
  update: StateUpdate;
  /** Titles the model reported that the catalog does not have (the reply says so). */
  unresolved: string[];
  usage: LlmUsage;
}

/**
 * Structured extraction with the chat-parse prompt. The message is data inside the prompt, and the answer is
 * checked against the catalog like any other untrusted input: titles must resolve through search, genres
 * must be catalog genres (other words become tags), years and counts are range-checked by the schema.
 * Throws LlmError when the call fails or outlasts the stage's deadline ("timeout"); the agent then falls back to
 * the rule parser.
 */
export async function parseWithLlm(
  llm: LlmClient,
  deps: { vocabulary: ChatVocabulary; titles: TitleResolver },
  message: string,
  state: PreferenceState,
  signal?: AbortSignal,
): Promise<LlmParse> {
  const prompt = await renderPrompt(PARSE_STAGE, { state: JSON.stringify(promptState(state)), vocabulary: deps.vocabulary.describe(), message });
  const { value: a, usage } = await withDeadline(llm.deadlineMs(PARSE_STAGE), signal, (s) => llm.generate({ stage: PARSE_STAGE, prompt, schema: ChatParseAnswer, signal: s }));
  const unresolved: string[] = [];
  const resolveAll = async (titles: string[]) => {
    const found: TitleRef[] = [];
    for (const t of titles) {
      const ref = await deps.titles.resolve(t);
      if (ref) found.push(ref);
      else unresolved.push(t);
    }
    return found;
  };
  const genres = (names: string[]) => ({
    known: unique(names.map((n) => deps.vocabulary.genreNamed(n)).filter((g): g is string => g !== undefined)),
    other: names.filter((n) => deps.vocabulary.genreNamed(n) === undefined),
  });
  const want = genres(a.want_genres);
  const avoid = genres(a.avoid_genres);
  const update: StateUpdate = {
    liked: await resolveAll(a.liked_titles),
    disliked: await resolveAll(a.disliked_titles),
    want: { genres: want.known, tags: terms([...a.want_tags, ...want.other]), moods: terms(a.want_moods) },
    avoid: { genres: avoid.known, tags: terms([...a.avoid_tags, ...avoid.other]), moods: terms(a.avoid_moods) },
    drop: a.drop,
  };
  if (a.year_min !== null || a.year_max !== null) update.years = { min: a.year_min ?? undefined, max: a.year_max ?? undefined };
  if (a.count !== null) update.k = Math.min(a.count, MAX_K);
  return { update, unresolved, usage };
}

/** What the model needs to know of the state: names, not ids. */
function promptState(s: PreferenceState) {
  return { liked: s.liked.map((t) => t.title), disliked: s.disliked.map((t) => t.title), want: s.want, avoid: s.avoid, years: s.years, count: s.k ?? null };
}

const unique = (xs: string[]) => [...new Set(xs)];
const terms = (xs: string[]) => unique(xs.map((x) => x.trim().toLowerCase().slice(0, MAX_TERM)).filter(Boolean));
