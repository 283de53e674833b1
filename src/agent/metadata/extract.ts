import type { Item } from "../../core/types.ts";
import { splitTitleYear } from "../../data/catalog.ts";
import type { YearEstimate } from "../../models/content-map.ts";
import { normWords } from "../chat/words.ts";
import type { ItemText } from "./describe.ts";
import { type Audience, type ItemMetadata, UNKNOWN_ERA } from "./schema.ts";
import { TextNeighbours } from "./text-neighbours.ts";

/**
 * Words in a description that point to a genre (MovieLens spelling; base forms, plurals match too). Unlike
 * the chat's synonyms, which name genres a person asks for, these are things a story has in it ("space",
 * "ghost"), and words that mislead in a plot summary ("family", "doc", "love" alone) are left out. Plot words
 * ("kidnapping", "astronaut", "bounty hunter"...) were added for real summaries; on the tag-built validation text
 * they changed no ranking (P2 recall@20 with --cold-content text the same to 6 digits).
 */
const CUES: Record<string, string[]> = {
  Action: ["action packed", "fight", "fighting", "explosive", "shootout", "martial arts", "car chase", "combat"],
  Adventure: ["adventurous", "quest", "expedition", "journey", "treasure", "explorer"],
  Animation: ["animated", "cartoon", "anime", "stop motion", "pixar"],
  Children: ["kid", "for kids", "family film", "family friendly", "young audiences"],
  Comedy: ["comedic", "comic", "funny", "hilarious", "humor", "humour", "humorous", "comedies", "satire", "satirical", "parody", "spoof", "slapstick", "romcom", "rom com"],
  Crime: ["criminal", "heist", "gangster", "mob", "mafia", "robbery", "cartel", "murder", "detective", "police", "cop", "drug dealer", "drug lord", "con artist", "bank robber", "hitman", "crime boss"],
  Documentary: ["documentaries", "docuseries", "archival footage"],
  Drama: ["dramatic", "melodrama", "tragedy", "tragic"],
  Fantasy: ["fantasies", "magic", "magical", "wizard", "witch", "sorcerer", "dragon", "enchanted", "fairy tale", "mythical"],
  "Film-Noir": ["film noir", "noir", "femme fatale"],
  Horror: ["scary", "terrifying", "haunted", "haunting", "haunts", "ghost", "zombie", "vampire", "slasher", "demon", "demonic", "possessed", "possession", "exorcism", "evil spirit", "werewolf", "creepy", "spooky"],
  Musical: ["singing", "song and dance", "broadway"],
  Mystery: ["mysteries", "mysterious", "whodunit", "detective", "investigation", "clue", "disappearance"],
  Romance: ["romantic", "love story", "falls in love", "fall in love", "fell in love", "in love with", "love triangle", "lovers", "love affair", "romcom", "rom com"],
  "Sci-Fi": ["sci fi", "scifi", "science fiction", "space", "outer space", "spaceship", "starship", "alien", "robot", "android", "cyborg", "future", "futuristic", "time travel", "dystopian", "dystopia", "cyberpunk", "planet", "galaxy", "astronaut", "spacecraft", "extraterrestrial", "artificial intelligence"],
  Thriller: ["suspense", "suspenseful", "conspiracy", "assassin", "hostage", "serial killer", "stalker", "kidnapped", "kidnapping", "ransom", "manhunt"],
  War: ["wartime", "world war", "soldier", "battle", "battlefield", "army", "troops", "platoon", "nazi", "nazis", "wwii"],
  Western: ["cowboy", "outlaw", "sheriff", "frontier", "wild west", "gunslinger", "bounty hunter", "rancher"],
};

/** Moods, from the genres found and from tone words in the text; the extractor's whole mood vocabulary. */
const GENRE_MOODS: Record<string, string> = {
  Action: "exciting", Adventure: "exciting", Animation: "whimsical", Children: "warm", Comedy: "funny", Crime: "gritty",
  Documentary: "informative", Drama: "serious", Fantasy: "whimsical", "Film-Noir": "dark", Horror: "scary", Musical: "upbeat",
  Mystery: "intriguing", Romance: "romantic", "Sci-Fi": "thought-provoking", Thriller: "tense", War: "grim", Western: "rugged",
};
const TONE_MOODS: Record<string, string[]> = {
  warm: ["heartwarming", "touching", "tender"],
  uplifting: ["uplifting", "inspiring", "inspirational", "hopeful", "triumphant"],
  dark: ["dark", "bleak", "disturbing", "sinister"],
  sad: ["sad", "heartbreaking", "tearjerker", "melancholy"],
  quirky: ["quirky", "offbeat", "eccentric"],
};
const AUDIENCE_CUES: Array<[Audience, string[]]> = [
  ["children", ["for kids", "young children", "preschool", "toddlers"]],
  ["teens", ["teen", "teenage", "teenager", "high school"]],
  ["adults", ["adult", "mature", "r rated", "graphic violence", "erotic"]],
];

const MAX_GENRES = 3;
/** A genre named outright ("an animated comedy") counts as two cues: "journey" hints at Adventure, "comedy" says Comedy. */
const NAMED_GENRE_WEIGHT = 2;
/**
 * What the catalog's most similar items say of a genre: its share of their votes (TextNeighbours) times this
 * counts beside the cues. A genre is kept from a score of MIN_GENRE_SCORE up: one cue word, or half the
 * neighbours' vote. Chosen on validation (recagent eval-cold --validate random --cold-content text); re-checked with
 * the content map's text view, P2 recall@20 with tags / plot overviews for text: weight 0.5 .2536 / .0804,
 * 1 .2572 / .0805, 2 .2529 / .0789.
 */
const NEIGHBOUR_WEIGHT = 1;
const MIN_GENRE_SCORE = 0.3;
const MAX_THEMES = 5;
const MAX_KEYWORDS = 8;
const MAX_MOODS = 3;
/** The summary is the only text taken from the input, and only this much of it. */
export const SUMMARY_CHARS = 200;
/** Longest cue or tag phrase matched, in words. */
const MAX_PHRASE = 4;

/**
 * Item metadata without an LLM, from a title and a free-text description: genres from the catalog's
 * vocabulary named or cued in the text and voted by the catalog items whose descriptions are most like it
 * (TF-IDF), keywords from the catalog's tags found in the text, themes from the
 * tags of the most similar catalog items (TF-IDF), mood and audience from fixed word lists, era from a year
 * in the text. Every field but the summary holds only catalog terms or fixed words, never input text, so an
 * instruction hidden in a description has nothing to act on.
 */
export class MetadataExtractor {
  /** Normalised phrase -> the catalog genres it points to. */
  private readonly genreCues = new Map<string, string[]>();
  /** Normalised genre names ("comedy", "comedies" aside): a text that names a genre outweighs one that only cues it. */
  private readonly genreNames = new Set<string>();
  /** Normalised phrase -> the catalog tag (lower case), for tags on two items or more. */
  private readonly tagPhrases = new Map<string, string>();

  private constructor(
    /** The catalog's genres, sorted: the only genres ever output. */
    readonly vocabulary: readonly string[],
    tags: ReadonlyMap<string, number>,
    /** Catalog items by their title, description and tags, voting with their tags (on two items or more). */
    private readonly tagNeighbours: TextNeighbours,
    /** Catalog items by their title and description, voting with their genres. */
    private readonly genreNeighbours: TextNeighbours,
    /** Catalog items by their title and description, voting with their year. */
    private readonly yearNeighbours: TextNeighbours,
  ) {
    const canonical = new Map(vocabulary.map((g) => [genreKey(g), g]));
    const cue = (phrase: string, genre: string) => {
      const key = normWords(phrase).join(" ");
      for (const form of [key, `${key}s`]) {
        const list = this.genreCues.get(form) ?? [];
        if (!list.includes(genre)) this.genreCues.set(form, [...list, genre]);
      }
    };
    for (const genre of vocabulary) {
      cue(genre, genre);
      const key = normWords(genre).join(" ");
      this.genreNames.add(key).add(`${key}s`);
    }
    for (const [name, phrases] of Object.entries(CUES)) {
      const genre = canonical.get(genreKey(name));
      if (genre) for (const phrase of phrases) cue(phrase, genre);
    }
    // Most common first, so when two tags share a spelling after normalising, the common one wins.
    const byCount = [...tags].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    for (const [tag] of byCount) {
      const key = normWords(tag).join(" ");
      if (key && !this.genreCues.has(key) && !this.tagPhrases.has(key)) this.tagPhrases.set(key, tag);
    }
  }

  static fromCatalog(items: Iterable<Item>): MetadataExtractor {
    const list = [...items];
    const genres = [...new Set(list.flatMap((i) => i.genres))].sort();
    const counts = new Map<string, number>();
    for (const item of list) for (const t of new Set(item.tags.map((x) => x.toLowerCase()))) counts.set(t, (counts.get(t) ?? 0) + 1);
    const tags = new Map([...counts].filter(([, n]) => n >= 2));
    const tagNeighbours = TextNeighbours.fromDocs(
      list.map((item) => {
        const labels = [...new Set(item.tags.map((t) => t.toLowerCase()))].filter((t) => tags.has(t));
        return { text: `${item.title} ${item.text ?? ""} ${labels.join(" ")}`, labels };
      }),
    );
    const described = list.filter((item) => item.text);
    const genreNeighbours = TextNeighbours.fromDocs(described.map((item) => ({ text: `${item.title} ${item.text}`, labels: item.genres })));
    const yearNeighbours = TextNeighbours.fromDocs(described.map((item) => ({ text: `${item.title} ${item.text}`, labels: item.year === undefined ? [] : [String(item.year)] })));
    return new MetadataExtractor(genres, tags, tagNeighbours, genreNeighbours, yearNeighbours);
  }

  /**
   * Years for an item whose text states none (yearIn): those of the catalog items whose descriptions are most like
   * its text, each with its share of their similarity (TextNeighbours.votes); none when the text states a year or
   * shares no word with theirs. A guess, spread over the candidates: onboarding places the item at each and averages.
   */
  estimateYears = (item: ItemText): YearEstimate[] => {
    if (!item.description || yearIn(item) !== undefined) return [];
    return this.yearNeighbours.votes(`${item.title} ${item.description}`).map(([year, weight]) => ({ year: Number(year), weight }));
  };

  /** An arrow, so it can be handed over as the metadata stage's fallback. */
  extract = (item: ItemText): ItemMetadata => {
    const text = `${item.title} ${item.description ?? ""}`;
    const phrases = phrasesOf(normWords(text));
    const genres = this.genresIn(phrases, item.description ? text : undefined);
    const keywords = [...new Set(phrases.flatMap((p) => this.tagPhrases.get(p) ?? []))].slice(0, MAX_KEYWORDS);
    const themes = this.tagNeighbours
      .votes(text)
      .map(([tag]) => tag)
      .filter((t) => !keywords.includes(t) && !this.genreCues.has(normWords(t).join(" ")))
      .slice(0, MAX_THEMES);
    const year = yearIn(item);
    return {
      genres,
      themes,
      mood: moodsOf(genres, phrases),
      audience: audienceOf(genres, phrases),
      era: year === undefined ? UNKNOWN_ERA : `${Math.floor(year / 10) * 10}s`,
      year: year ?? null,
      keywords,
      summary: summarize(item),
    };
  };

  /**
   * Catalog genres by the weight of the cues and names pointing to them plus the similar items' vote, most first
   * (ties in vocabulary order), those scoring MIN_GENRE_SCORE or more.
   */
  private genresIn(phrases: readonly string[], text: string | undefined): string[] {
    const hits = new Map<string, number>();
    for (const p of phrases) {
      const weight = this.genreNames.has(p) ? NAMED_GENRE_WEIGHT : 1;
      for (const g of this.genreCues.get(p) ?? []) hits.set(g, (hits.get(g) ?? 0) + weight);
    }
    if (text) for (const [g, share] of this.genreNeighbours.votes(text)) hits.set(g, (hits.get(g) ?? 0) + NEIGHBOUR_WEIGHT * share);
    return [...hits]
      .filter(([, score]) => score >= MIN_GENRE_SCORE)
      .sort((a, b) => b[1] - a[1] || this.vocabulary.indexOf(a[0]) - this.vocabulary.indexOf(b[0]))
      .slice(0, MAX_GENRES)
      .map(([g]) => g);
  }
}

/** "Sci-Fi" and "sci fi", "Children's" and "Children" compare equal. */
function genreKey(name: string): string {
  return normWords(name).join(" ").replace(/s$/, "");
}

/** Every run of 1..MAX_PHRASE words, in text order (repeats kept: they count as more evidence). */
function phrasesOf(words: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    for (let n = 1; n <= MAX_PHRASE && i + n <= words.length; n++) out.push(words.slice(i, i + n).join(" "));
  }
  return out;
}

function moodsOf(genres: readonly string[], phrases: readonly string[]): string[] {
  const said = new Set(phrases);
  const tones = Object.entries(TONE_MOODS).filter(([, words]) => words.some((w) => said.has(w))).map(([mood]) => mood);
  const fromGenres = genres.flatMap((g) => GENRE_MOODS[g] ?? []);
  return [...new Set([...tones, ...fromGenres])].slice(0, MAX_MOODS);
}

function audienceOf(genres: readonly string[], phrases: readonly string[]): Audience {
  const said = new Set(phrases);
  const cued = AUDIENCE_CUES.find(([, words]) => words.some((w) => said.has(w)));
  if (cued) return cued[0];
  if (genres.includes("Children") || genres.includes("Animation")) return "family";
  if (genres.includes("Horror")) return "adults";
  return "general";
}

const YEAR = String.raw`(1[89]\d\d|20\d\d)`;
const KIND = String.raw`(?:film|movie|novel|album|series)`;
/**
 * A year the text states as the item's own: "released (in) 1995", "A 1995 film ..." opening the text, "... is a 1995
 * American crime film". Not "in 1944" or "from 1944", nor "(1944)", nor "the 1959 film" elsewhere: plot summaries
 * use those for when the story is set and for the novel or film an item is based on or remakes (72 of 2,585 short
 * plot overviews of MovieLens movies say "in YEAR" or "from YEAR": every one a setting or an event of the story).
 */
const STATED_YEAR = new RegExp(String.raw`\breleased(?:\s+in)?\s+${YEAR}\b|^\W*(?:an?|this)\s+${YEAR}\s+${KIND}\b|\b(?:is|was)\s+an?\s+${YEAR}\s+(?:[a-z-]+\s+){0,3}${KIND}\b`, "i");

/** The item's year, from "Title (1995)" or a year the description states; a bare number ("2001: A Space Odyssey") is not one. */
export function yearIn(item: ItemText): number | undefined {
  const fromTitle = splitTitleYear(item.title).year;
  if (fromTitle !== undefined) return fromTitle;
  const m = STATED_YEAR.exec(item.description ?? "");
  const year = m?.slice(1).find((g) => g !== undefined);
  return year === undefined ? undefined : Number(year);
}

/** The description's opening (the title when there is none), control characters removed, cut at a word. */
export function summarize(item: ItemText): string {
  const clean = (item.description?.trim() ? item.description : item.title).replace(/[\p{Cc}\p{Cf}]+/gu, " ").replace(/\s+/g, " ").trim();
  if (clean.length <= SUMMARY_CHARS) return clean || "untitled";
  const cut = clean.slice(0, SUMMARY_CHARS - 1);
  const space = cut.lastIndexOf(" ");
  return `${space > SUMMARY_CHARS / 2 ? cut.slice(0, space) : cut}…`;
}
