import type { Item } from "../../core/types.ts";
import { normWords } from "../chat/words.ts";

/** How many of the most similar catalog items vote with their tags. */
const NEIGHBOURS = 10;

/**
 * Tags for a new item's text from the catalog items whose text is most like it: every tagged catalog item is a
 * TF-IDF vector over the words of its title, description and tags (sublinear tf, L2-normalised); the query's
 * nearest items by cosine vote for their tags with their similarity. Only tags of the catalog come out, and the
 * index is built once from the catalog, so a new item's text can neither invent a tag nor move another item.
 */
export class TagNeighbours {
  private constructor(
    /** word -> [(doc, weight)] */
    private readonly postings: Map<string, Array<[number, number]>>,
    private readonly idf: Map<string, number>,
    /** Each document's tags, in the catalog's spelling. */
    private readonly docTags: string[][],
  ) {}

  /** `allowed(tag)` says which tags may be proposed (e.g. those on two items or more). */
  static fromCatalog(items: Iterable<Item>, allowed: (tag: string) => boolean): TagNeighbours {
    const docs: Array<{ words: string[]; tags: string[] }> = [];
    for (const item of items) {
      const tags = [...new Set(item.tags.map((t) => t.toLowerCase()))].filter(allowed);
      if (tags.length) docs.push({ words: normWords(`${item.title} ${item.text ?? ""} ${tags.join(" ")}`), tags });
    }
    const df = new Map<string, number>();
    for (const { words } of docs) for (const w of new Set(words)) df.set(w, (df.get(w) ?? 0) + 1);
    const idf = new Map([...df].map(([w, n]) => [w, Math.log(docs.length / n)]));
    const postings = new Map<string, Array<[number, number]>>();
    docs.forEach(({ words }, d) => {
      for (const [w, weight] of tfidf(words, idf)) {
        const list = postings.get(w) ?? [];
        list.push([d, weight]);
        postings.set(w, list);
      }
    });
    return new TagNeighbours(postings, idf, docs.map((d) => d.tags));
  }

  /** Up to `k` tags, best first (ties by name), voted by the NEIGHBOURS items most similar to `text`. */
  tagsFor(text: string, k: number): string[] {
    const sims = new Map<number, number>();
    for (const [w, q] of tfidf(normWords(text), this.idf)) {
      for (const [d, weight] of this.postings.get(w) ?? []) sims.set(d, (sims.get(d) ?? 0) + q * weight);
    }
    const nearest = [...sims].filter(([, s]) => s > 0).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, NEIGHBOURS);
    const votes = new Map<string, number>();
    for (const [d, sim] of nearest) for (const tag of this.docTags[d]) votes.set(tag, (votes.get(tag) ?? 0) + sim);
    return [...votes].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, k).map(([tag]) => tag);
  }
}

/** Sublinear term frequency times idf, L2-normalised; words outside `idf` are dropped. */
function tfidf(words: readonly string[], idf: ReadonlyMap<string, number>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of words) if (idf.has(w)) counts.set(w, (counts.get(w) ?? 0) + 1);
  const out = new Map<string, number>();
  let norm = 0;
  for (const [w, n] of counts) {
    const v = (1 + Math.log(n)) * idf.get(w)!;
    if (v > 0) out.set(w, v);
    norm += v * v;
  }
  for (const [w, v] of out) out.set(w, v / Math.sqrt(norm));
  return out;
}
