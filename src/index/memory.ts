/**
 * MemoryIndex: a flat, exact VectorIndex that runs anywhere (Node and workerd). Items live in insertion
 * order, their vectors in one growable row-major Float32Array; a query scores every row (a few milliseconds
 * for ten thousand items of 64 floats), so results are exact and filters never cost recall.
 */
import { InputError } from "../core/errors.ts";
import type { Item } from "../core/types.ts";
import { createFactorScorer, type FactorScorer } from "../numeric/factor-scorer.ts";
import { checkDimension, checkedRows, checkK, checkVector } from "./checks.ts";
import { ItemAttributes } from "./attributes.ts";
import { checkFilter } from "./filter.ts";
import { bestIndices, copyItem } from "./results.ts";
import { bm25, queryTerms, TAG_WEIGHT, tokenize } from "./text-search.ts";
import type { Filter, IndexedItem, Scored, VectorIndex } from "./types.ts";

interface Entry {
  item: Item;
  titleTokens: string[];
  tagTokens: string[];
}

export class MemoryIndex implements VectorIndex {
  readonly kind = "memory";
  readonly dimension: number;
  /** Row r of `vectors` belongs to entries[r]; deletes compact both, so queries never see a hole. */
  private entries: Entry[] = [];
  private vectors: Float32Array;
  private readonly rowOf = new Map<string, number>();
  /**
   * Dot products of a query with every row (WebAssembly SIMD where the runtime allows it, about 4x the
   * plain loop); it holds its own copy of the vectors, so every write drops it and the next query rebuilds it.
   */
  private scorer?: FactorScorer;
  /** Genres and years of every row in typed columns: filters read integers, not items. */
  private readonly attributes = new ItemAttributes();
  /** One score per row, reused by every query (a query runs to completion before the next starts). */
  private scores = new Float32Array(0);

  constructor(dimension: number) {
    checkDimension(dimension);
    this.dimension = dimension;
    this.vectors = new Float32Array(dimension * 64);
  }

  /** An index over an exported artifact: item i's vector is row i of `vectors` (row-major, n x dimension). */
  static fromArrays(items: readonly Item[], vectors: Float32Array, dimension: number): MemoryIndex {
    if (vectors.length !== items.length * dimension) {
      throw new InputError(`${items.length} items of dimension ${dimension} need ${items.length * dimension} floats, got ${vectors.length}`);
    }
    const index = new MemoryIndex(dimension);
    index.put(items.map((item, i) => ({ ...item, vector: vectors.subarray(i * dimension, (i + 1) * dimension) })));
    return index;
  }

  async count(): Promise<number> {
    return this.entries.length;
  }

  async upsert(rows: readonly IndexedItem[]): Promise<void> {
    this.put(rows);
  }

  async delete(ids: readonly string[]): Promise<void> {
    this.scorer = undefined;
    const doomed = new Set(ids);
    const d = this.dimension;
    let kept = 0;
    for (let row = 0; row < this.entries.length; row++) {
      const entry = this.entries[row];
      if (doomed.has(entry.item.id)) {
        this.rowOf.delete(entry.item.id);
        continue;
      }
      if (kept !== row) {
        this.entries[kept] = entry;
        this.vectors.copyWithin(kept * d, row * d, (row + 1) * d);
        this.rowOf.set(entry.item.id, kept);
        this.attributes.set(kept, entry.item);
      }
      kept++;
    }
    for (let row = kept; row < this.entries.length; row++) this.attributes.clear(row);
    this.entries.length = kept;
  }

  async get(id: string): Promise<IndexedItem | undefined> {
    const row = this.rowOf.get(id);
    if (row === undefined) return undefined;
    const d = this.dimension;
    return { ...copyItem(this.entries[row].item), vector: this.vectors.slice(row * d, (row + 1) * d) };
  }

  async query(vector: Float32Array, opts: { k: number; filter?: Filter }): Promise<Scored[]> {
    checkK(opts.k);
    checkVector(vector, this.dimension, "query vector");
    const n = this.entries.length;
    if (this.scores.length < n) this.scores = new Float32Array(Math.max(n, 2 * this.scores.length));
    const scores = this.scores.subarray(0, n);
    this.scorer ??= createFactorScorer(this.vectors.subarray(0, n * this.dimension), this.dimension);
    this.scorer.score(vector, 1, scores);
    // Excluded ids (a history's items, typically) are masked by lookup; the rest of the filter per row.
    if (opts.filter) checkFilter(opts.filter);
    const { excludeIds, ...rest } = opts.filter ?? {};
    const matches = this.attributes.compile(rest, (id) => this.rowOf.get(id));
    if (matches) for (let row = 0; row < n; row++) if (!matches(row)) scores[row] = -Infinity;
    for (const id of excludeIds ?? []) {
      const row = this.rowOf.get(id);
      if (row !== undefined) scores[row] = -Infinity;
    }
    return this.best(scores, opts.k);
  }

  async search(text: string, opts: { k: number }): Promise<Scored[]> {
    checkK(opts.k);
    const terms = queryTerms(text);
    const title = bm25(terms, this.entries.map((e) => e.titleTokens));
    const tags = bm25(terms, this.entries.map((e) => e.tagTokens));
    const scores = new Float32Array(this.entries.length);
    for (let row = 0; row < scores.length; row++) {
      const score = title[row] + TAG_WEIGHT * tags[row];
      scores[row] = score > 0 ? score : -Infinity;
    }
    return this.best(scores, opts.k);
  }

  private put(rows: readonly IndexedItem[]): void {
    this.scorer = undefined;
    const d = this.dimension;
    for (const row of checkedRows(rows, d)) {
      const item = copyItem(row);
      const entry = { item, titleTokens: tokenize(item.title), tagTokens: item.tags.flatMap(tokenize) };
      let at = this.rowOf.get(item.id);
      if (at === undefined) {
        at = this.entries.length;
        this.reserve(at + 1);
        this.entries.push(entry);
        this.rowOf.set(item.id, at);
      } else {
        this.entries[at] = entry;
      }
      this.attributes.set(at, item);
      this.vectors.set(row.vector, at * d);
    }
  }

  private reserve(rows: number): void {
    if (rows * this.dimension <= this.vectors.length) return;
    const grown = new Float32Array(Math.max(rows * this.dimension, this.vectors.length * 2));
    grown.set(this.vectors);
    this.vectors = grown;
  }

  /** The k best rows of `scores` (-Infinity: excluded), best first, ties to the smaller id. */
  private best(scores: Float32Array, k: number): Scored[] {
    return bestIndices(scores, k, (row) => this.entries[row].item.id).map((row) => ({ item: copyItem(this.entries[row].item), score: scores[row] }));
  }
}
