import { z } from "zod";

/*
 * The preference state of one conversation. The client holds it between turns (the endpoint is stateless),
 * so it is validated like any other input when it comes back; the caps keep a state token small.
 */

export const MAX_K = 50;
export const DEFAULT_K = 10;
const MAX_TITLES = 20;
const MAX_TERMS = 10;

export const ATTRIBUTES = ["genre", "decade"] as const;
export type Attribute = (typeof ATTRIBUTES)[number];

const term = z.string().min(1).max(60);
const terms = z.array(term).max(MAX_TERMS);
const year = z.number().int().min(1800).max(2200);

export const TitleRef = z.object({ id: z.string().min(1).max(200), title: z.string().max(300) }).strict();
export type TitleRef = z.infer<typeof TitleRef>;

const Attributes = z.object({ genres: terms, tags: terms, moods: terms }).strict();
type Attributes = z.infer<typeof Attributes>;

export const Question = z.object({ attribute: z.enum(ATTRIBUTES), options: z.array(term).min(2).max(6) }).strict();
export type Question = z.infer<typeof Question>;

export const PreferenceState = z
  .object({
    liked: z.array(TitleRef).max(MAX_TITLES),
    disliked: z.array(TitleRef).max(MAX_TITLES),
    want: Attributes,
    avoid: Attributes,
    years: z
      .object({ min: year.optional(), max: year.optional() })
      .strict()
      .refine((y) => y.min === undefined || y.max === undefined || y.min <= y.max, "years.min must not exceed years.max"),
    /** How many recommendations the user asked for; absent until they say. */
    k: z.number().int().min(1).max(MAX_K).optional(),
    turn: z.number().int().min(0).max(100_000),
    /** Attributes already asked about, so a question is never repeated. */
    asked: z.array(z.enum(ATTRIBUTES)).max(ATTRIBUTES.length),
    lastQuestion: Question.optional(),
  })
  .strict();
export type PreferenceState = z.infer<typeof PreferenceState>;

export function emptyState(): PreferenceState {
  return { liked: [], disliked: [], want: noAttributes(), avoid: noAttributes(), years: {}, turn: 0, asked: [] };
}

const noAttributes = (): Attributes => ({ genres: [], tags: [], moods: [] });

/** What one message says; every field is optional and only what is present changes the state. */
export interface StateUpdate {
  liked?: TitleRef[];
  disliked?: TitleRef[];
  want?: Partial<Attributes>;
  avoid?: Partial<Attributes>;
  /** Each bound replaces the stored one; a bound that would cross the other one clears it. */
  years?: { min?: number; max?: number };
  k?: number;
  /** Terms or titles the user takes back (case-insensitive), from any list. */
  drop?: string[];
  /** "any", "surprise me": an answer to the last question that constrains nothing. */
  noPreference?: boolean;
  /** "start over": forget everything before applying the rest. */
  reset?: boolean;
}

/** The state after one message. Later statements win: wanting a genre un-avoids it, liking a title un-dislikes it. */
export function applyUpdate(state: PreferenceState, u: StateUpdate): PreferenceState {
  const base = u.reset ? emptyState() : state;
  const dropped = new Set((u.drop ?? []).map((d) => d.toLowerCase()));
  const keepTerm = (t: string) => !dropped.has(t.toLowerCase());
  const keepTitle = (t: TitleRef) => !dropped.has(t.title.toLowerCase());
  const likedIds = new Set((u.liked ?? []).map((t) => t.id));
  const dislikedIds = new Set((u.disliked ?? []).map((t) => t.id));
  return {
    ...base,
    liked: mergeTitles(base.liked.filter((t) => keepTitle(t) && !dislikedIds.has(t.id)), u.liked),
    disliked: mergeTitles(base.disliked.filter((t) => keepTitle(t) && !likedIds.has(t.id)), u.disliked),
    want: mergeAttributes(base.want, u.want, u.avoid, keepTerm),
    avoid: mergeAttributes(base.avoid, u.avoid, u.want, keepTerm),
    years: mergeYears(base.years, u.years),
    k: u.k ?? base.k,
  };
}

function mergeTitles(kept: TitleRef[], added: TitleRef[] = []): TitleRef[] {
  const addedIds = new Set(added.map((t) => t.id));
  return [...kept.filter((t) => !addedIds.has(t.id)), ...added].slice(-MAX_TITLES);
}

function mergeAttributes(mine: Attributes, added: Partial<Attributes> = {}, opposite: Partial<Attributes> = {}, keep: (t: string) => boolean): Attributes {
  const merge = (key: keyof Attributes) => {
    const removed = new Set([...(added[key] ?? []), ...(opposite[key] ?? [])].map((t) => t.toLowerCase()));
    const kept = mine[key].filter((t) => keep(t) && !removed.has(t.toLowerCase()));
    return [...kept, ...(added[key] ?? [])].slice(-MAX_TERMS);
  };
  return { genres: merge("genres"), tags: merge("tags"), moods: merge("moods") };
}

function mergeYears(years: PreferenceState["years"], update: StateUpdate["years"]): PreferenceState["years"] {
  if (!update) return years;
  let { min, max } = years;
  if (update.min !== undefined) {
    min = update.min;
    if (max !== undefined && update.max === undefined && max < min) max = undefined;
  }
  if (update.max !== undefined) {
    max = update.max;
    if (min !== undefined && update.min === undefined && min > max) min = undefined;
  }
  if (min !== undefined && max !== undefined && min > max) [min, max] = [max, min];
  return { ...(min !== undefined && { min }), ...(max !== undefined && { max }) };
}

/** Whether this update says anything about an attribute (answers a question about it). */
export function addresses(u: StateUpdate, attribute: Attribute): boolean {
  if (u.noPreference) return true;
  if (attribute === "genre") return Boolean(u.want?.genres?.length || u.avoid?.genres?.length);
  return u.years?.min !== undefined || u.years?.max !== undefined;
}

/** "Comedy or Romance, no Horror, from 1990 to 1999, similar to Toy Story": what the agent understood, for replies and prompts. */
export function describeState(s: PreferenceState): string {
  const parts: string[] = [];
  const wanted = [...s.want.genres, ...s.want.moods, ...s.want.tags];
  const avoided = [...s.avoid.genres, ...s.avoid.moods, ...s.avoid.tags];
  if (wanted.length) parts.push(orList(wanted));
  if (avoided.length) parts.push(`no ${orList(avoided)}`);
  const { min, max } = s.years;
  if (min !== undefined && max !== undefined) parts.push(min === max ? `from ${min}` : `from ${min} to ${max}`);
  else if (min !== undefined) parts.push(`from ${min} on`);
  else if (max !== undefined) parts.push(`up to ${max}`);
  if (s.liked.length) parts.push(`similar to ${andList(s.liked.map((t) => t.title))}`);
  if (s.disliked.length) parts.push(`unlike ${andList(s.disliked.map((t) => t.title))}`);
  return parts.join(", ");
}

const join = (word: string) => (xs: readonly string[]) => (xs.length <= 1 ? xs.join("") : `${xs.slice(0, -1).join(", ")} ${word} ${xs[xs.length - 1]}`);
export const orList = join("or");
const andList = join("and");
