/**
 * HnswIndex: an in-memory VectorIndex for catalogs too large for a flat scan per query (hundreds of
 * thousands to millions of items). An HNSW graph (hnswlib, inner-product space) proposes candidates; they are
 * rescored exactly from the index's own copy of the vectors and cut to k with the contract's tie rule, so
 * scores are exact dot products and only the candidate set is approximate (recall@10 about 0.95-0.99 at
 * efSearch 64; `npm run bench:index` measures it).
 *
 * Filters: the row attributes live in typed columns (attributes.ts). A filtered query first estimates how
 * many items the filter keeps, from a fixed sample of rows. With many matches, the graph search takes the
 * filter as a callback: only matching items enter the result set, and the search goes on past non-matching
 * ones until it holds efSearch matches, so it widens by itself as the filter narrows (its cost grows as
 * efSearch x catalog / matches). With fewer than `exactBelowMatches` (a very selective filter), the query is
 * an exact scan of the matching rows instead, whose cost is one pass over the attribute columns. A graph
 * answer with fewer than k items (fewer matches reachable than asked) is redone by the exact scan, so
 * "fewer than k only if fewer match" holds.
 *
 * Writes never rebuild: an upsert adds the item to the graph (or updates its vector in place), a delete marks
 * it deleted in the graph (searches skip it) and frees its slot for the next new item.
 */
import hnswlib from "hnswlib-node";
import { InputError } from "../core/errors.ts";
import type { Item } from "../core/types.ts";
import { ItemAttributes, type RowPredicate } from "./attributes.ts";
import { checkDimension, checkedRows, checkK, checkVector } from "./checks.ts";
import { bestIndices, copyItem } from "./results.ts";
import { bm25, queryTerms, TAG_WEIGHT, tokenize } from "./text-search.ts";
import type { Filter, IndexedItem, Scored, VectorIndex } from "./types.ts";

export interface HnswOptions {
  /** Graph degree (hnswlib's M): links per node; more raises recall, memory and build time. */
  m: number;
  /** Candidate list size while inserting; more builds a better graph, more slowly. */
  efConstruction: number;
  /** Candidate list size while searching (at least k): the recall / latency knob. */
  efSearch: number;
  /** Filters estimated to keep fewer items than this are answered by an exact scan. */
  exactBelowMatches: number;
  /** Seed of the graph's level draws, so builds are reproducible. */
  seed: number;
}

/**
 * Chosen on clustered 64-dim vectors (npm run bench:index): M=16 with efConstruction 100 builds twice as
 * fast as 200 (100k items) for recall@10 within 0.005. exactBelowMatches: both ways cost the same where
 * efSearch x catalog / matches callbacks (about 2 us each) equal one pass over the catalog's attribute
 * columns (about 20 ns a row): at about 5,000 matches whatever the catalog size (300k items, machine
 * load 8: a filter keeping 3% took p50 5.7 ms through the graph, one keeping 1% 6.9 ms by the scan).
 */
export const HNSW_DEFAULTS: HnswOptions = { m: 16, efConstruction: 100, efSearch: 64, exactBelowMatches: 5000, seed: 100 };

/** Rows tested to estimate a filter's matches: a few microseconds. */
const SHARE_SAMPLE = 1024;
const INITIAL_CAPACITY = 1024;

/** Text tokens of a slot's item, made on the first full-text search (most mirrors never search). */
interface Tokens {
  title: string[];
  tags: string[];
}

export class HnswIndex implements VectorIndex {
  readonly kind = "hnsw";
  readonly dimension: number;
  private readonly options: HnswOptions;
  private readonly graph: hnswlib.HierarchicalNSW;
  /** Slot s holds items[s] (undefined: free), its vector at vectors[s * dimension], graph label s. */
  private items: Array<Item | undefined> = [];
  private vectors: Float32Array;
  private readonly slotOf = new Map<string, number>();
  private readonly freeSlots: number[] = [];
  private readonly attributes: ItemAttributes;
  private tokens?: Array<Tokens | undefined>;
  /** Scratch for the exact scan: candidate slots and their scores (no garbage per query). */
  private scanSlots: Int32Array;
  private scanScores: Float32Array;
  /** How queries were answered, for tests and metrics. */
  readonly answered = { graph: 0, exact: 0 };

  constructor(dimension: number, options: Partial<HnswOptions> = {}) {
    checkDimension(dimension);
    this.dimension = dimension;
    this.options = { ...HNSW_DEFAULTS, ...options };
    this.graph = new hnswlib.HierarchicalNSW("ip", dimension);
    this.graph.initIndex({ maxElements: INITIAL_CAPACITY, m: this.options.m, efConstruction: this.options.efConstruction, randomSeed: this.options.seed });
    this.vectors = new Float32Array(INITIAL_CAPACITY * dimension);
    this.attributes = new ItemAttributes(INITIAL_CAPACITY);
    this.scanSlots = new Int32Array(INITIAL_CAPACITY);
    this.scanScores = new Float32Array(INITIAL_CAPACITY);
  }

  /** Changes the query-time knobs (the graph is unaffected): for tuning and benchmarks. */
  tune(options: Partial<Pick<HnswOptions, "efSearch" | "exactBelowMatches">>): void {
    Object.assign(this.options, options);
  }

  /** An index over an exported artifact: item i's vector is row i of `vectors` (row-major, n x dimension). */
  static fromArrays(items: readonly Item[], vectors: Float32Array, dimension: number, options: Partial<HnswOptions> = {}): HnswIndex {
    if (vectors.length !== items.length * dimension) {
      throw new InputError(`${items.length} items of dimension ${dimension} need ${items.length * dimension} floats, got ${vectors.length}`);
    }
    const index = new HnswIndex(dimension, options);
    index.put(items.map((item, i) => ({ ...item, vector: vectors.subarray(i * dimension, (i + 1) * dimension) })));
    return index;
  }

  async count(): Promise<number> {
    return this.slotOf.size;
  }

  async upsert(rows: readonly IndexedItem[]): Promise<void> {
    this.put(rows);
  }

  async delete(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const slot = this.slotOf.get(id);
      if (slot === undefined) continue;
      this.graph.markDelete(slot);
      this.slotOf.delete(id);
      this.items[slot] = undefined;
      if (this.tokens) this.tokens[slot] = undefined;
      this.attributes.clear(slot);
      this.freeSlots.push(slot);
    }
  }

  async get(id: string): Promise<IndexedItem | undefined> {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return undefined;
    return { ...copyItem(this.items[slot]!), vector: this.vectorOf(slot).slice() };
  }

  async query(vector: Float32Array, opts: { k: number; filter?: Filter }): Promise<Scored[]> {
    checkK(opts.k);
    checkVector(vector, this.dimension, "query vector");
    const matches = this.attributes.compile(opts.filter, (id) => this.slotOf.get(id));
    const k = Math.min(opts.k, this.slotOf.size);
    if (k === 0) return [];
    if (matches && this.estimatedMatches(matches) < this.options.exactBelowMatches) return this.exactScan(vector, k, matches);
    const wanted = Math.min(Math.max(this.options.efSearch, k), this.items.length);
    const { neighbors } = this.graph.searchKnn(Array.from(vector), wanted, matches);
    if (neighbors.length < k) return this.exactScan(vector, k, matches);
    this.answered.graph++;
    const scores = this.scanScores;
    for (let i = 0; i < neighbors.length; i++) scores[i] = this.dot(vector, neighbors[i]);
    return this.results(scores.subarray(0, neighbors.length), k, (i) => neighbors[i]);
  }

  async search(text: string, opts: { k: number }): Promise<Scored[]> {
    checkK(opts.k);
    const terms = queryTerms(text);
    const tokens = this.textTokens();
    const slots = [...this.slotOf.values()];
    const title = bm25(terms, slots.map((s) => tokens[s]!.title));
    const tags = bm25(terms, slots.map((s) => tokens[s]!.tags));
    const scores = Float32Array.from(slots, (_, i) => {
      const score = title[i] + TAG_WEIGHT * tags[i];
      return score > 0 ? score : -Infinity;
    });
    return this.results(scores, opts.k, (i) => slots[i]);
  }

  private put(rows: readonly IndexedItem[]): void {
    const d = this.dimension;
    const checked = checkedRows(rows, d);
    this.reserve(this.items.length + checked.filter((row) => !this.slotOf.has(row.id)).length);
    for (const row of checked) {
      let slot = this.slotOf.get(row.id);
      const changed = slot === undefined || !sameVector(this.vectorOf(slot), row.vector);
      if (slot === undefined) {
        slot = this.freeSlots.pop() ?? this.items.length;
        this.slotOf.set(row.id, slot);
      }
      const item = copyItem(row);
      this.items[slot] = item;
      this.attributes.set(slot, item);
      if (this.tokens) this.tokens[slot] = tokensOf(item);
      if (changed) {
        this.vectors.set(row.vector, slot * d);
        // A new label is inserted; an existing one (live, or freed by a delete) is un-deleted and relinked.
        this.graph.addPoint(Array.from(row.vector), slot);
      }
    }
  }

  /** Room for `slots` slots in the graph and the arrays, growing by half again so inserts stay amortised. */
  private reserve(slots: number): void {
    const capacity = this.graph.getMaxElements();
    if (slots <= capacity) return;
    const grown = Math.max(slots, Math.ceil(capacity * 1.5));
    this.graph.resizeIndex(grown);
    const vectors = new Float32Array(grown * this.dimension);
    vectors.set(this.vectors);
    this.vectors = vectors;
    this.scanSlots = new Int32Array(grown);
    this.scanScores = new Float32Array(grown);
  }

  /** How many live items `matches` keeps, from evenly spaced slots (exact when there are few slots). */
  private estimatedMatches(matches: RowPredicate): number {
    const slots = this.items.length;
    const step = Math.max(1, slots / SHARE_SAMPLE);
    let live = 0;
    let kept = 0;
    for (let at = 0; at < slots; at += step) {
      const slot = Math.floor(at);
      if (this.items[slot] === undefined) continue;
      live++;
      if (matches(slot)) kept++;
    }
    return live === 0 ? 0 : (kept / live) * this.slotOf.size;
  }

  /** Exact answer: scores every live slot that `matches` keeps. */
  private exactScan(vector: Float32Array, k: number, matches: RowPredicate | undefined): Scored[] {
    this.answered.exact++;
    const slots = this.scanSlots;
    const scores = this.scanScores;
    let count = 0;
    for (let slot = 0; slot < this.items.length; slot++) {
      // A predicate is false on free slots.
      if (matches ? !matches(slot) : this.items[slot] === undefined) continue;
      slots[count] = slot;
      scores[count++] = this.dot(vector, slot);
    }
    return this.results(scores.subarray(0, count), k, (i) => slots[i]);
  }

  /** The k best of `scores`, where score i belongs to slot `slotAt(i)`. */
  private results(scores: Float32Array, k: number, slotAt: (i: number) => number): Scored[] {
    return bestIndices(scores, k, (i) => this.items[slotAt(i)]!.id).map((i) => ({ item: copyItem(this.items[slotAt(i)]!), score: scores[i] }));
  }

  /** The dot product of `vector` with slot `slot`'s vector, rounded once to float32. */
  private dot(vector: Float32Array, slot: number): number {
    const v = this.vectors;
    let sum = 0;
    for (let j = 0, at = slot * this.dimension; j < vector.length; j++, at++) sum += vector[j] * v[at];
    return Math.fround(sum);
  }

  private vectorOf(slot: number): Float32Array {
    return this.vectors.subarray(slot * this.dimension, (slot + 1) * this.dimension);
  }

  private textTokens(): Array<Tokens | undefined> {
    this.tokens ??= this.items.map((item) => item && tokensOf(item));
    return this.tokens;
  }
}

function tokensOf(item: Item): Tokens {
  return { title: tokenize(item.title), tags: item.tags.flatMap(tokenize) };
}

function sameVector(a: Float32Array, b: Float32Array): boolean {
  for (let j = 0; j < a.length; j++) if (!Object.is(a[j], b[j])) return false;
  return true;
}
