/**
 * Full-text relevance for MemoryIndex: BM25 per field, fields summed with weights. Tokens are lowercased,
 * accent-folded runs of letters and digits, the same tokens LanceDB's "simple" FTS tokenizer makes with
 * lowercase + ascii folding and no stemming or stop words (titles such as "It" or "Up" must stay findable).
 */

/** How much a tag match counts against a title match; LanceDbIndex boosts its tags column the same. */
export const TAG_WEIGHT = 0.5;

/**
 * A query token that is a strict prefix of a document token counts this much of an exact match, so
 * "toy sto" still finds "Toy Story" while typing, below documents that have the whole word.
 */
const PREFIX_CREDIT = 0.5;
const K1 = 1.2;
const B = 0.75;

export function tokenize(text: string): string[] {
  return text
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t !== "");
}

/** The query's distinct tokens, in order. */
export function queryTerms(text: string): string[] {
  return [...new Set(tokenize(text))];
}

/**
 * BM25 of every document (a token list) for the query terms, with Lucene's always-positive idf.
 * Returns 0 for a document that matches no term.
 */
export function bm25(terms: readonly string[], docs: ReadonlyArray<readonly string[]>): Float64Array {
  const n = docs.length;
  const scores = new Float64Array(n);
  if (n === 0 || terms.length === 0) return scores;
  let totalLength = 0;
  for (const doc of docs) totalLength += doc.length;
  const averageLength = totalLength / n || 1;
  // tf[d * terms.length + t]: term t's (prefix-credited) frequency in document d.
  const tf = new Float64Array(n * terms.length);
  const documentFrequency = new Float64Array(terms.length);
  for (let d = 0; d < n; d++) {
    for (let t = 0; t < terms.length; t++) {
      let f = 0;
      for (const token of docs[d]) f += token === terms[t] ? 1 : token.startsWith(terms[t]) ? PREFIX_CREDIT : 0;
      tf[d * terms.length + t] = f;
      if (f > 0) documentFrequency[t]++;
    }
  }
  for (let t = 0; t < terms.length; t++) {
    const idf = Math.log(1 + (n - documentFrequency[t] + 0.5) / (documentFrequency[t] + 0.5));
    for (let d = 0; d < n; d++) {
      const f = tf[d * terms.length + t];
      if (f > 0) scores[d] += (idf * f * (K1 + 1)) / (f + K1 * (1 - B + (B * docs[d].length) / averageLength));
    }
  }
  return scores;
}
