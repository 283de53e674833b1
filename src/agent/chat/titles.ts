import type { Item } from "../../core/types.ts";
import type { VectorIndex } from "../../index/types.ts";
import type { TitleRef } from "./state.ts";
import type { ChatVocabulary } from "./vocabulary.ts";
import { normWords } from "./words.ts";

const SEARCH_K = 20;
/** The state keeps names for replies and prompts; a long onboarded title is cut to what the state allows. */
const MAX_TITLE_CHARS = 300;
const ARTICLES = new Set(["the", "a", "an", "la", "le", "les", "el", "il", "der", "die", "das"]);
/** "Heat (1995)": a trailing year in parentheses picks among films of the same title. */
const YEAR_HINT = /\s*\((\d{4})\)\s*$/;

const significant = (text: string) => normWords(text).filter((w) => !ARTICLES.has(w));

/**
 * Finds the catalog item a person means by a title, through the index's full-text search. Search alone is
 * too lenient ("good" would find "Good Will Hunting"), so a hit must be the named title: the same words
 * apart from articles ("the matrix" = "Matrix, The"), or the opening words of a longer title when at least
 * two words were given ("star wars" = "Star Wars: Episode IV - A New Hope").
 */
export class TitleResolver {
  constructor(
    private readonly index: VectorIndex,
    private readonly vocabulary: ChatVocabulary,
  ) {}

  async resolve(phrase: string): Promise<TitleRef | undefined> {
    const hint = YEAR_HINT.exec(phrase);
    const text = hint ? phrase.slice(0, hint.index) : phrase;
    const wanted = significant(text);
    if (wanted.length === 0 || wanted.every((w) => this.vocabulary.isVocabulary(w))) return undefined;
    const hits = (await this.index.search(text, { k: SEARCH_K })).map((s) => s.item).filter((item) => names(item, wanted));
    const year = hint ? Number(hint[1]) : undefined;
    const best = hits.find((item) => item.year === year) ?? hits[0];
    return best && { id: best.id, title: best.title.slice(0, MAX_TITLE_CHARS) };
  }
}

/** MovieLens keeps alternative titles in parentheses ("Amelie (Fabuleux destin d'Amélie Poulain, Le)"): either form names the item. */
const ALTERNATIVE = /\s*\([^)]*\)/g;

function names(item: Item, wanted: readonly string[]): boolean {
  return [item.title, item.title.replace(ALTERNATIVE, "")].some((form) => {
    const title = significant(form);
    if (title.length === wanted.length) return title.every((w, i) => w === wanted[i]);
    return wanted.length >= 2 && title.length > wanted.length && wanted.every((w, i) => title[i] === w);
  });
}
