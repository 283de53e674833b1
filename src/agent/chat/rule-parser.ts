import { MAX_K, type StateUpdate, type TitleRef } from "./state.ts";
import type { TitleResolver } from "./titles.ts";
import type { ChatVocabulary } from "./vocabulary.ts";
import { parseYears } from "./years.ts";
import { smallNumber, type Word, words } from "./words.ts";

/*
 * The parser used without an LLM (and whenever the LLM fails): catalog vocabulary, a few patterns, and title
 * search. It only ever reads preferences out of the text; nothing in a message can make it do anything else.
 */

const phrases = (list: string) => list.split(",").map((p) => p.trim().split(" "));
const LIKE_TRIGGERS = phrases("like, liked, likes, love, loved, loves, enjoy, enjoyed, enjoys, adore, adored, similar to, fan of, such as, as good as, same as, in the vein of, reminds me of, remind me of, favorite is, favourite is, favorite was, favourite was");
const DISLIKE_TRIGGERS = phrases("hate, hated, hates, dislike, disliked, unlike, cant stand, couldnt stand");
/** Before a like-trigger, these turn it around: "didn't like Alien", "nothing like Alien". */
const TRIGGER_NEGATIONS = new Set(["not", "dont", "didnt", "doesnt", "never", "nothing", "no", "wasnt", "isnt"]);
/** Open a negated stretch: what follows, up to the end of the clause, is unwanted. */
const NEGATIONS = new Set(["no", "not", "without", "except", "excluding", "never", "nothing", "none", "avoid", "hate", "hated", "dislike", "dont", "didnt", "doesnt", "skip", "neither", "nor"]);
/** End a negated stretch: "no horror but comedy", "not horror, just comedy". */
const CLAUSE_ENDS = new Set(["but", "and", "though", "however", "instead", "rather", "just", "only", "yet", "so", "prefer", "preferably"]);
const NO_PREFERENCE = new Set(
  ["any", "anything", "whatever", "either", "all", "dont care", "i dont care", "doesnt matter", "it doesnt matter", "no preference", "surprise me", "no idea", "not sure", "dunno", "any genre", "any decade", "any era", "any year", "anything is fine", "just recommend", "skip", "pass"],
);
const RESET = new Set(["start over", "reset", "restart", "new search", "clear", "forget it", "forget everything"]);
const MAX_TITLE_WORDS = 8;
/** Titles hardly ever end in these, so a run of words ending in one is not searched ("Toy Story from the 90s"). */
const JOINING = new Set(["and", "or", "but", "from", "the", "a", "an", "of", "in", "with", "for", "to", "by", "on", "at", "please", "too"]);
const COUNT = String.raw`(\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty)`;
/** "show me 5", "top 3" */
const COUNT_ASKED = new RegExp(String.raw`\b(?:show|give|recommend|suggest|list|top|want|need|just|only|get|pick|find)\s+(?:me\s+)?(?:the\s+)?(?:top\s+|best\s+)?${COUNT}\b`);
/** "5 movies", "two more comedies": a number before a noun for films or a genre. */
const COUNT_OF = new RegExp(String.raw`\b${COUNT}\s+(?:more\s+|other\s+|good\s+|great\s+)?(\S+)`);
const FILM_NOUNS = new Set(["movies", "films", "titles", "picks", "recommendations", "suggestions", "options", "ideas", "results", "ones", "flicks"]);
const RECENT = /\b(?:recent|latest|newest)\b/;
const RECENT_YEARS = 5;

export class RuleParser {
  constructor(
    private readonly vocabulary: ChatVocabulary,
    private readonly titles: TitleResolver,
  ) {}

  async parse(message: string): Promise<StateUpdate> {
    const ws = words(message);
    const whole = ws.filter((w) => !w.stop).map((w) => w.norm).join(" ");
    if (NO_PREFERENCE.has(whole)) return { noPreference: true };
    if (RESET.has(whole)) return { reset: true };
    // A bare title ("Toy Story", "Heat (1995)") is the commonest way to name a favourite. Checked first, so
    // its words are not read as preferences, unless a trigger says where titles are ("I liked Heat").
    const hasTrigger = ws.some((_, i) => matchAt(ws, i, LIKE_TRIGGERS) || matchAt(ws, i, DISLIKE_TRIGGERS));
    const bare = async () => (ws.length <= MAX_TITLE_WORDS ? await this.titles.resolve(message.trim()) : undefined);
    const bareFirst = hasTrigger ? undefined : await bare();
    if (bareFirst) return { liked: [bareFirst] };

    const used = new Array<boolean>(ws.length).fill(false);
    const update: StateUpdate = {};
    const mentions = await this.titleMentions(message, ws, used);
    // A title that contains a trigger word ("Love Actually") is still a bare title.
    const bareAfter = hasTrigger && mentions.liked.length + mentions.disliked.length === 0 ? await bare() : undefined;
    if (bareAfter) return { liked: [bareAfter] };
    if (mentions.liked.length) update.liked = mentions.liked;
    if (mentions.disliked.length) update.disliked = mentions.disliked;
    const genres = this.genres(ws, used);
    if (genres.want.length) update.want = { genres: genres.want };
    if (genres.avoid.length) update.avoid = { genres: genres.avoid };

    const { bounds, rest } = parseYears(ws.filter((w, i) => !used[i] && !w.stop).map((w) => w.norm).join(" "));
    if (RECENT.test(rest) && this.vocabulary.latestYear !== undefined && bounds.min === undefined) bounds.min = this.vocabulary.latestYear - RECENT_YEARS + 1;
    if (bounds.min !== undefined || bounds.max !== undefined) update.years = bounds;
    const k = this.count(rest);
    if (k !== undefined) update.k = k;
    return update;
  }

  /**
   * Titles after "like", "loved", "similar to", "hated", ..., and the titles listed after it ("loved Alien and
   * The Terminator"). A year in parentheses right after a title picks among same-named films.
   */
  private async titleMentions(message: string, ws: Word[], used: boolean[]): Promise<{ liked: TitleRef[]; disliked: TitleRef[] }> {
    const liked: TitleRef[] = [];
    const disliked: TitleRef[] = [];
    for (let i = 0; i < ws.length; i++) {
      const like = matchAt(ws, i, LIKE_TRIGGERS);
      const dislike = like ? 0 : matchAt(ws, i, DISLIKE_TRIGGERS);
      if (!like && !dislike) continue;
      const negated = [ws[i - 1], ws[i - 2]].some((w) => w && TRIGGER_NEGATIONS.has(w.norm));
      const into = dislike || negated ? disliked : liked;
      let at: number | undefined = i + (like || dislike);
      while (at !== undefined) {
        const found = await this.titleAt(message, ws, at);
        if (!found) break;
        into.push(found.title);
        for (let j = i; j <= found.last; j++) used[j] = true;
        i = found.last;
        at = nextInList(ws, found.last + 1);
      }
    }
    return { liked, disliked };
  }

  /**
   * The longest run of words from `from` (within the sentence, at most MAX_TITLE_WORDS) that names a catalog
   * title. Commas may be part of a title ("Gas, Food, Lodging"); a run ending in a joining word or in a year in
   * parentheses (the hint for the run before it) is not searched.
   */
  private async titleAt(message: string, ws: Word[], from: number): Promise<{ title: TitleRef; last: number } | undefined> {
    let to = from;
    while (to < ws.length && to - from < MAX_TITLE_WORDS && (!ws[to].stop || ws[to].norm === ",")) to++;
    for (let end = to; end > from; end--) {
      if (end - from === 1 && smallNumber(ws[from].norm) !== undefined) return undefined; // "like 5 of them": a count, not the film "5"
      if (ws[end - 1].stop || (end - from > 1 && (JOINING.has(ws[end - 1].norm) || yearHintEnd(message, ws, end - 1)))) continue;
      const withYear = yearHintEnd(message, ws, end);
      const title = await this.titles.resolve(message.slice(ws[from].start, withYear?.offset ?? ws[end - 1].end));
      if (title) return { title, last: withYear ? end : end - 1 };
    }
    return undefined;
  }

  /** Genre words outside titles, unwanted inside a negated stretch ("no horror", "not a comedy", "anything but westerns"). */
  private genres(ws: Word[], used: boolean[]): { want: string[]; avoid: string[] } {
    const want: string[] = [];
    const avoid: string[] = [];
    let negated = false;
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i];
      if (used[i]) continue;
      if (w.norm === "but" && ["anything", "everything", "all"].includes(ws[i - 1]?.norm)) negated = true;
      else if (w.stop || CLAUSE_ENDS.has(w.norm)) negated = false;
      else if (NEGATIONS.has(w.norm)) negated = true;
      else {
        const found = this.genreAt(ws, i, used);
        if (!found) continue;
        for (const g of found.genres) if (!want.includes(g) && !avoid.includes(g)) (negated ? avoid : want).push(g);
        i += found.length - 1;
      }
    }
    return { want, avoid };
  }

  private count(text: string): number | undefined {
    const asked = COUNT_ASKED.exec(text);
    const of = COUNT_OF.exec(text);
    const raw = asked?.[1] ?? (of && (FILM_NOUNS.has(of[2]) || this.vocabulary.genresOf(of[2])) ? of[1] : undefined);
    const n = raw === undefined ? undefined : smallNumber(raw);
    return n !== undefined && n > 0 ? Math.min(n, MAX_K) : undefined;
  }

  /** The longest vocabulary phrase starting at word i. */
  private genreAt(ws: Word[], i: number, used: boolean[]): { genres: readonly string[]; length: number } | undefined {
    for (let n = Math.min(this.vocabulary.longestPhrase, ws.length - i); n >= 1; n--) {
      const span = ws.slice(i, i + n);
      if (span.some((w, j) => w.stop || used[i + j])) continue;
      const genres = this.vocabulary.genresOf(span.map((w) => w.norm).join(" "));
      if (genres) return { genres, length: n };
    }
    return undefined;
  }
}

/** Length of the first phrase in `list` that starts at word i, or 0. */
function matchAt(ws: Word[], i: number, list: string[][]): number {
  for (const phrase of list) if (phrase.every((p, j) => ws[i + j]?.norm === p && !ws[i + j].stop)) return phrase.length;
  return 0;
}

/** Where the next title of a list starts: after ",", "and", "or" or ", and"; undefined when no list goes on. */
function nextInList(ws: Word[], at: number): number | undefined {
  let next = at;
  if (ws[next]?.norm === ",") next++;
  if (ws[next]?.norm === "and" || ws[next]?.norm === "or") next++;
  return next > at && next < ws.length ? next : undefined;
}

/** When word `end` is a year written in parentheses right after the title, the offset just past ")". */
function yearHintEnd(message: string, ws: Word[], end: number): { offset: number } | undefined {
  const year = ws[end];
  if (!year || !/^\d{4}$/.test(year.norm)) return undefined;
  if (message.slice(ws[end - 1].end, year.start).trim() !== "(" || message[year.end] !== ")") return undefined;
  return { offset: year.end + 1 };
}

