import type { Item } from "../../core/types.ts";
import { normWords } from "./words.ts";

/**
 * Everyday words for catalog genres (MovieLens spelling). Only genres the catalog has are used, so another
 * catalog simply gets fewer synonyms; its own genre names (and their plurals) always work.
 */
const SYNONYMS: Record<string, string[]> = {
  Comedy: ["comedies", "funny", "hilarious", "humor", "humour", "comedic", "laugh", "rom com", "romcom"],
  Romance: ["romantic", "romances", "love story", "love stories", "rom com", "romcom"],
  Horror: ["horrors", "scary", "spooky", "creepy", "frightening", "slasher"],
  "Sci-Fi": ["sci fi", "scifi", "science fiction", "sf"],
  Animation: ["animated", "cartoon", "cartoons", "anime", "pixar"],
  Children: ["kids", "kid", "childrens", "family", "families"],
  Documentary: ["documentaries", "docs", "doc", "docu"],
  Drama: ["dramas", "dramatic"],
  Thriller: ["thrillers", "suspense", "suspenseful", "thrilling"],
  Crime: ["gangster", "gangsters", "heist", "heists", "mafia"],
  Action: ["actions", "action packed"],
  Adventure: ["adventures", "adventurous"],
  Fantasy: ["fantasies", "magic", "magical"],
  Mystery: ["mysteries", "whodunit", "detective"],
  Musical: ["musicals"],
  Western: ["westerns", "cowboy", "cowboys"],
  War: ["wars", "war movie", "war movies", "war film", "war films"],
  "Film-Noir": ["film noir", "noir"],
};

/** Words that carry no preference of their own ("movies", "something"): never a title by themselves. */
const FILLER = new Set(
  "a an the some something anything any movie movies film films flick flicks one ones stuff show me please i want would like to watch see good great new more kind sort of type with and or".split(" "),
);

const MAX_PROMPT_TAGS = 40;

/** The catalog's words the chat understands: genres with synonyms, the year span, common tags. */
export class ChatVocabulary {
  /** Normalized phrase ("sci fi") -> catalog genres it names. */
  private readonly phrases = new Map<string, string[]>();
  /** Longest phrase in words, to bound the scan. */
  readonly longestPhrase: number;

  private constructor(
    readonly genres: readonly string[],
    readonly latestYear: number | undefined,
    readonly commonTags: readonly string[],
  ) {
    const add = (phrase: string, genre: string) => {
      const key = normWords(phrase).join(" ");
      const list = this.phrases.get(key) ?? [];
      if (!list.includes(genre)) this.phrases.set(key, [...list, genre]);
    };
    for (const g of genres) {
      add(g, g);
      add(`${g}s`, g);
      for (const s of SYNONYMS[g] ?? []) add(s, g);
    }
    this.longestPhrase = Math.max(1, ...[...this.phrases.keys()].map((k) => k.split(" ").length));
  }

  static fromItems(items: Iterable<Item>): ChatVocabulary {
    const genres = new Set<string>();
    const tagCounts = new Map<string, number>();
    let latest: number | undefined;
    for (const item of items) {
      for (const g of item.genres) genres.add(g);
      for (const t of item.tags) tagCounts.set(t.toLowerCase(), (tagCounts.get(t.toLowerCase()) ?? 0) + 1);
      if (item.year !== undefined && (latest === undefined || item.year > latest)) latest = item.year;
    }
    const tags = [...tagCounts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, MAX_PROMPT_TAGS).map(([t]) => t);
    return new ChatVocabulary([...genres].sort(), latest, tags);
  }

  /** The genres a normalized phrase names ("funny" -> Comedy, "rom com" -> Comedy and Romance), or undefined. */
  genresOf(phrase: string): readonly string[] | undefined {
    return this.phrases.get(phrase);
  }

  /** A genre by any spelling a person or a model might use ("sci-fi", "Comedies"), or undefined. */
  genreNamed(name: string): string | undefined {
    return this.genresOf(normWords(name).join(" "))?.[0];
  }

  isVocabulary(norm: string): boolean {
    return FILLER.has(norm) || this.phrases.has(norm);
  }

  /** For the chat-parse prompt: one kind per line. */
  describe(): string {
    const lines = [`genres: ${this.genres.join(", ")}`];
    if (this.commonTags.length) lines.push(`tags: ${this.commonTags.join(", ")}`);
    return lines.join("\n");
  }
}
