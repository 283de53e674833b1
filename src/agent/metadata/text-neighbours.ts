import { contentWords } from "../../models/content-features.ts";

/** How many of the most similar catalog documents vote with their labels. */
const NEIGHBOURS = 10;

/** A catalog document: its text and the labels it votes with (tags, genres). */
export interface LabelledText {
  text: string;
  labels: readonly string[];
}

/**
 * Labels for a new item's text from the catalog documents most like it: every document is a TF-IDF vector over
 * the content words of its text (contentWords: stop words dropped, plurals singular) (sublinear tf, L2-normalised, so a plot summary of hundreds of words weighs as much as a
 * line of tags); the query's nearest documents by cosine vote for their labels with their similarity. Only the
 * catalog's labels come out, and the index is built once from the catalog, so a new item's text can neither
 * invent a label nor move another item.
 */
export class TextNeighbours {
  private constructor(
    /** word -> [(doc, weight)] */
    private readonly postings: Map<string, Array<[number, number]>>,
    private readonly idf: Map<string, number>,
    private readonly docLabels: ReadonlyArray<readonly string[]>,
  ) {}

  /** Documents without labels are left out: they could only take a neighbour's place and vote for nothing. */
  static fromDocs(documents: Iterable<LabelledText>): TextNeighbours {
    const docs = [...documents].filter((d) => d.labels.length > 0).map((d) => ({ words: contentWords(d.text), labels: d.labels }));
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
    return new TextNeighbours(postings, idf, docs.map((d) => d.labels));
  }

  /**
   * The labels of the NEIGHBOURS documents most similar to `text`, each with its share of their summed similarity
   * (a label on every neighbour has 1), best first, ties by name; empty when no word is shared. A sum below 1
   * divides as 1, so a few faint matches (one common word shared) cannot cast a full vote.
   */
  votes(text: string): Array<[label: string, share: number]> {
    const sims = new Map<number, number>();
    for (const [w, q] of tfidf(contentWords(text), this.idf)) {
      for (const [d, weight] of this.postings.get(w) ?? []) sims.set(d, (sims.get(d) ?? 0) + q * weight);
    }
    const nearest = [...sims].filter(([, s]) => s > 0).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, NEIGHBOURS);
    const total = Math.max(1, nearest.reduce((sum, [, s]) => sum + s, 0));
    const votes = new Map<string, number>();
    for (const [d, sim] of nearest) for (const label of this.docLabels[d]) votes.set(label, (votes.get(label) ?? 0) + sim / total);
    return [...votes].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
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
