import type { ChatAgent } from "../agent/chat/agent.ts";
import { decadeLabel } from "../agent/chat/question.ts";
import type { PreferenceState, Question } from "../agent/chat/state.ts";
import type { InteractionRow, Item } from "../core/types.ts";
import { addUsage, type LlmUsage, NO_USAGE } from "../llm/types.ts";
import { mulberry32 } from "../numeric/random.ts";

/*
 * Conversational recommendation measured with simulated users (in the spirit of Christakopoulou et al. 2016
 * and the CRS user simulators since): each user holds a hidden target item, answers the agent's questions
 * truthfully from the target's attributes, and otherwise names a film they liked. Success at turn t: the
 * target is among the recommendations shown at turn t.
 */

/** A simulated user: the hidden target and the films they will name, in order. */
export interface SimUser {
  id: string;
  target: Item;
  liked: readonly Item[];
}

export interface SimOutcome {
  /** The first turn whose recommendations held the target; undefined when none did. */
  successTurn?: number;
  questions: number;
  /** LLM stage failures that fell back to rules (LLM policies only). */
  fallbacks: number;
  usage: LlmUsage;
}

/**
 * "I liked The Mask (1994)": the title as a person says it (MovieLens writes "Mask, The" and adds alternative
 * titles in parentheses), with the year in parentheses to tell same-named films apart.
 */
export function nameFilm(item: Item): string {
  const title = item.title.replace(/\s*\([^)]*\)/g, "").replace(/^(.*), (The|A|An)$/, "$2 $1");
  return `I liked ${title}${item.year === undefined ? "" : ` (${item.year})`}`;
}

/** A truthful answer from the target: an offered genre it has (else its first genre), or its decade. */
export function answer(question: Question, target: Item): string {
  if (question.attribute === "genre") return question.options.find((o) => target.genres.includes(o)) ?? target.genres[0] ?? "any";
  return target.year === undefined ? "any" : decadeLabel(target.year);
}

export async function simulate(agent: Pick<ChatAgent, "turn">, user: SimUser, opts: { maxTurns: number; k: number }): Promise<SimOutcome> {
  let state: PreferenceState | undefined;
  let question: Question | undefined;
  let named = 0;
  const outcome: SimOutcome = { questions: 0, fallbacks: 0, usage: NO_USAGE };
  for (let turn = 1; turn <= opts.maxTurns; turn++) {
    const film = question ? undefined : user.liked[named++];
    const message = question ? answer(question, user.target) : film ? nameFilm(film) : "something else";
    const result = await agent.turn({ message, state, k: opts.k });
    outcome.fallbacks += result.fallbacks.length;
    outcome.usage = addUsage(outcome.usage, result.usage);
    if (result.question) outcome.questions++;
    if (result.recommendations.some((r) => r.id === user.target.id)) return { ...outcome, successTurn: turn };
    state = result.state;
    question = result.question;
  }
  return outcome;
}

export interface SimReport {
  eval: "chat-sim";
  policy: string;
  parser: "rules" | "llm";
  users: number;
  k: number;
  /** success@k within T turns, for T = 1..maxTurns. */
  success: Record<string, number>;
  /** Over the users who succeeded within maxTurns; null when none did. */
  mean_turns_to_success: number | null;
  mean_questions: number;
  llm_fallbacks: number;
  llm_calls: number;
  prompt_tokens: number;
  completion_tokens: number;
}

/** One policy's line in a report: its figures, or why it did not run. */
export type ChatSimRow = (SimReport & { seed: number; seconds: number }) | { eval: "chat-sim"; policy: string; skipped: string };

/** The simulated-user results as a table: policy, success@k within T turns for each T, mean turns and questions. */
export function chatSimTable(rows: readonly ChatSimRow[]): { header: string[]; rows: string[][] } {
  const turns = Object.keys(rows.find((r): r is SimReport & { seed: number; seconds: number } => !("skipped" in r))?.success ?? {});
  const header = ["policy", "parser", "users", ...turns.map((t) => `success ${t}`), "mean turns", "questions"];
  const body = rows.map((r) =>
    "skipped" in r
      ? [r.policy, "-", "-", ...turns.map(() => ""), `skipped: ${r.skipped}`, ""]
      : [r.policy, r.parser, String(r.users), ...turns.map((t) => r.success[t].toFixed(3)), r.mean_turns_to_success?.toFixed(2) ?? "-", r.mean_questions.toFixed(2)],
  );
  return { header, rows: body };
}

export function summarize(policy: string, parser: SimReport["parser"], outcomes: readonly SimOutcome[], opts: { maxTurns: number; k: number }): SimReport {
  const n = outcomes.length;
  const turns = outcomes.flatMap((o) => (o.successTurn === undefined ? [] : [o.successTurn]));
  const success: Record<string, number> = {};
  for (let t = 1; t <= opts.maxTurns; t++) success[`T${t}`] = round(turns.filter((x) => x <= t).length / n);
  const usage = outcomes.reduce((u, o) => addUsage(u, o.usage), NO_USAGE);
  return {
    eval: "chat-sim",
    policy,
    parser,
    users: n,
    k: opts.k,
    success,
    mean_turns_to_success: turns.length ? round(turns.reduce((a, b) => a + b, 0) / turns.length) : null,
    mean_questions: round(outcomes.reduce((a, o) => a + o.questions, 0) / n),
    llm_fallbacks: outcomes.reduce((a, o) => a + o.fallbacks, 0),
    llm_calls: usage.calls,
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
  };
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

/** Ratings at or above this are what a user "liked"; targets and named films are drawn from them first. */
const LIKED_RATING = 4;

/**
 * Simulated users from a P1 split, seeded: the target is one of the user's liked test items that the model
 * can recommend (in `recommendable`); the films they name are their liked train items in random order
 * (all train items when none is liked). Users without such a target are left out.
 */
export function sampleUsers(
  train: readonly InteractionRow[],
  test: readonly InteractionRow[],
  itemOf: (id: string) => Item | undefined,
  recommendable: ReadonlySet<string>,
  opts: { users: number; seed: number },
): SimUser[] {
  const random = mulberry32(opts.seed);
  const byUser = (rows: readonly InteractionRow[]) => {
    const out = new Map<string, InteractionRow[]>();
    for (const r of rows) {
      const list = out.get(r.user);
      if (list) list.push(r);
      else out.set(r.user, [r]);
    }
    return out;
  };
  const trainOf = byUser(train);
  const users: SimUser[] = [];
  for (const [id, rows] of byUser(test)) {
    const targets = shuffled(rows.filter((r) => r.value >= LIKED_RATING && recommendable.has(r.item)), random);
    const history = trainOf.get(id) ?? [];
    const likedRows = history.filter((r) => r.value >= LIKED_RATING);
    const liked = shuffled(likedRows.length ? likedRows : history, random).flatMap((r) => itemOf(r.item) ?? []);
    const target = targets.length ? itemOf(targets[0].item) : undefined;
    if (target && liked.length) users.push({ id, target, liked });
  }
  return shuffled(users, random).slice(0, opts.users);
}

function shuffled<T>(xs: readonly T[], random: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
