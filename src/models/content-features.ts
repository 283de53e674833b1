import type { Item } from "../core/types.ts";

/** What is known about an item's content at onboarding; every field but the title may be missing. */
export type ItemContent = Pick<Item, "title"> & Partial<Pick<Item, "year" | "genres" | "tags" | "text">>;

export interface FeaturizerVocabulary {
  genres: string[];
  tags: string[];
  decades: number[];
}

const MAX_TAGS = 400;

/**
 * Turns item content into a fixed-length feature vector: a bias, one-hot genres and decades (plus "year
 * unknown"), and binary tags from the catalog's most common tags. Genre and tag words found in the title or
 * description count too, so an item described only in text still gets features. Vocabulary comes from the
 * catalog and is frozen, so the same item always maps to the same vector.
 */
export class ContentFeaturizer {
  readonly dimension: number;
  private readonly genreIndex: Map<string, number>;
  private readonly tagIndex: Map<string, number>;
  private readonly decadeIndex: Map<number, number>;
  private readonly unknownYear: number;

  constructor(readonly vocabulary: FeaturizerVocabulary) {
    let at = 1;
    this.genreIndex = new Map(vocabulary.genres.map((g) => [g.toLowerCase(), at++]));
    this.tagIndex = new Map(vocabulary.tags.map((t) => [t.toLowerCase(), at++]));
    this.decadeIndex = new Map(vocabulary.decades.map((d) => [d, at++]));
    this.unknownYear = at++;
    this.dimension = at;
  }

  static fromCatalog(items: Iterable<ItemContent>, maxTags = MAX_TAGS): ContentFeaturizer {
    const genres = new Set<string>();
    const tagCounts = new Map<string, number>();
    const decades = new Set<number>();
    for (const item of items) {
      for (const g of item.genres ?? []) genres.add(g);
      for (const t of new Set((item.tags ?? []).map((x) => x.toLowerCase()))) tagCounts.set(t, (tagCounts.get(t) ?? 0) + 1);
      if (item.year !== undefined) decades.add(decadeOf(item.year));
    }
    const tags = [...tagCounts.entries()]
      .filter(([t, n]) => n >= 2 && !genres.has(t))
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, maxTags)
      .map(([t]) => t);
    return new ContentFeaturizer({ genres: [...genres].sort(), tags, decades: [...decades].sort((a, b) => a - b) });
  }

  featurize(item: ItemContent, out = new Float32Array(this.dimension)): Float32Array {
    out.fill(0);
    out[0] = 1;
    for (const g of item.genres ?? []) this.mark(this.genreIndex, g.toLowerCase(), out);
    for (const t of item.tags ?? []) this.mark(this.tagIndex, t.toLowerCase(), out);
    for (const phrase of phrases(`${item.title} ${item.text ?? ""}`)) {
      this.mark(this.genreIndex, phrase, out);
      this.mark(this.tagIndex, phrase, out);
    }
    const decade = item.year === undefined ? undefined : this.decadeIndex.get(decadeOf(item.year));
    out[decade ?? this.unknownYear] = 1;
    return out;
  }

  private mark(index: Map<string, number>, key: string, out: Float32Array): void {
    const at = index.get(key);
    if (at !== undefined) out[at] = 1;
  }
}

function decadeOf(year: number): number {
  return Math.floor(year / 10) * 10;
}

/** Lowercase word n-grams (n <= 3) of a text, to match one- to three-word tags such as "time travel". */
function phrases(text: string): Set<string> {
  const words = text.toLowerCase().match(/[\p{L}\p{N}'-]+/gu) ?? [];
  const out = new Set<string>();
  for (let i = 0; i < words.length; i++) {
    out.add(words[i]);
    if (i + 1 < words.length) out.add(`${words[i]} ${words[i + 1]}`);
    if (i + 2 < words.length) out.add(`${words[i]} ${words[i + 1]} ${words[i + 2]}`);
  }
  return out;
}
