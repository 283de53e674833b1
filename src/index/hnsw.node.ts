/**
 * HnswIndex: an in-memory VectorIndex for catalogs too large for a flat scan per query (hundreds of
 * thousands to millions of items). An HNSW graph (hnswlib, inner-product space) proposes candidates; they are
 * rescored exactly from the index's own copy of the vectors and cut to k with the contract's tie rule, so
 * scores are exact dot products and only the candidate set is approximate (recall@10 about 0.95-0.99 at
 * efSearch 64; `npm run bench:index` measures it).
 *
 * Filters: the row attributes live in typed columns (attributes.ts), and a filtered query first estimates
 * how many items the filter keeps (m of n), from a fixed sample of rows. It is then answered one of three ways:
 *  - over-fetch: the graph, unfiltered, is asked for enough candidates that about `overfetch` x k of them
 *    should match (overfetch x k x n / m, at least efSearch), which are filtered here. Cheapest while the
 *    filter keeps a good share of the catalog: its cost grows as n / m.
 *  - exact scan: one pass over the attribute columns, then an exact dot product for each matching row.
 *    Cheapest for a very selective filter: its cost grows as n (plus m dot products).
 *  - callback: the graph search takes the filter as a callback (hnswlib's filtered search): only matches
 *    enter the result set, and the search goes on past other items until it holds efSearch matches. It
 *    finds matches however they lie in the space, but each candidate costs a call from C++ into JS, so it
 *    is never the cheapest here (bench:index measures all three): it is the fallback when over-fetching
 *    found fewer than k matches (a filter that keeps few of the query's neighbourhood).
 * The choice between the first two compares their estimated costs (SCAN_COSTS), and a filter keeping less than
 * minOverfetchShare goes to the exact scan whatever it costs, for recall. Any way that finds fewer
 * than k items ends in the exact scan, so "fewer than k only if fewer match" holds.
 *
 * Writes never rebuild: an upsert adds the item to the graph (or updates its vector in place), a delete marks
 * it deleted in the graph (searches skip it) and frees its slot for the next new item.
 *
 * Saved graphs: fromArrays with a graphFile loads the graph saved there when it was built from the same vectors
 * and parameters (hnsw-graph-file.node.ts checks), else builds it and saves it there for the next start.
 */
import hnswlib from "hnswlib-node";
import { InputError } from "../core/errors.ts";
import type { Item } from "../core/types.ts";
import { ItemAttributes, type RowPredicate } from "./attributes.ts";
import { checkDimension, checkedRows, checkK, checkVector } from "./checks.ts";
import { type GraphParameters, readSavedGraph, vectorsSha256, writeSavedGraph } from "./hnsw-graph-file.node.ts";
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
  /** Matches per result an over-fetch aims for: more raises filtered recall and cost. */
  overfetch: number;
  /**
   * Filters keeping less than this share of the items are never over-fetched but scanned: the candidates an
   * over-fetch needs (overfetch x k / share) reach deep into the graph's list, where it is less exact.
   */
  minOverfetchShare: number;
  /** How filtered queries are answered: "auto" chooses by estimated cost; the others force one way (tests, benchmarks). */
  filterPath: FilterPath;
  /** Seed of the graph's level draws, so builds are reproducible. */
  seed: number;
}

export type FilterPath = "auto" | "overfetch" | "exact" | "callback";

/** Where fromArrays keeps the graph of the vectors it is given, and where it reports what it did. */
export interface SavedGraphOptions {
  graphFile?: string;
  log?: (line: string) => void;
}

/**
 * Chosen on clustered 64-dim vectors (npm run bench:index): M=16 with efConstruction 100 builds twice as
 * fast as 200 (100k items) for recall@10 within 0.005; efSearch 64 keeps recall@10 above 0.95 at 1M items
 * (0.97; 32 gives 0.90). An over-fetch of 3 matches per result keeps filtered recall@10 near the unfiltered
 * one for filters keeping 3% or more (10%: 0.953 at 1M items, 0.974 at 100k; 3%: 0.939 and 0.966), not below
 * (1%: 0.87 and 0.93), hence minOverfetchShare.
 */
export const HNSW_DEFAULTS: HnswOptions = { m: 16, efConstruction: 100, efSearch: 64, overfetch: 3, minOverfetchShare: 0.03, filterPath: "auto", seed: 100 };

/**
 * Relative costs of the filtered ways, from CPU time per query at 100k items (bench:index, filters keeping
 * 10% to 0.3%): a graph candidate about 2.2 us, an exact dot product of a matching row about 0.48 us, a row's
 * pass over the attribute columns about 18 ns. The exact scan wins below about 2,500-3,500 matches (k=10),
 * at 100k items as at 1M.
 */
const SCAN_COSTS = { candidate: 120, dot: 27, row: 1 };

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
  private graph: hnswlib.HierarchicalNSW;
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
  readonly answered = { graph: 0, overfetch: 0, callback: 0, exact: 0 };
  /** Whether fromArrays built the graph or loaded a saved one. */
  graphOrigin: "built" | "loaded" = "built";

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
  tune(options: Partial<Pick<HnswOptions, "efSearch" | "overfetch" | "minOverfetchShare" | "filterPath">>): void {
    Object.assign(this.options, options);
  }

  /**
   * An index over an exported artifact: item i's vector is row i of `vectors` (row-major, n x dimension). With a
   * graphFile, the graph saved there is loaded when it was built from these vectors and parameters, else the
   * graph is built and saved there.
   */
  static fromArrays(items: readonly Item[], vectors: Float32Array, dimension: number, options: Partial<HnswOptions> & SavedGraphOptions = {}): HnswIndex {
    if (vectors.length !== items.length * dimension) {
      throw new InputError(`${items.length} items of dimension ${dimension} need ${items.length * dimension} floats, got ${vectors.length}`);
    }
    const { graphFile, log = () => {}, ...hnswOptions } = options;
    const index = new HnswIndex(dimension, hnswOptions);
    const rows = items.map((item, i) => ({ ...item, vector: vectors.subarray(i * dimension, (i + 1) * dimension) }));
    if (graphFile === undefined) {
      index.put(rows);
      return index;
    }
    const { m, efConstruction, seed } = index.options;
    const parameters: GraphParameters = { space: "ip", dimension, items: items.length, m, efConstruction, seed, vectorsSha256: vectorsSha256(vectors) };
    const t0 = performance.now();
    const saved = readSavedGraph(graphFile, parameters, log);
    const seconds = () => ((performance.now() - t0) / 1000).toFixed(1);
    if (saved) {
      index.adoptGraph(saved);
      index.put(rows, false);
      index.graphOrigin = "loaded";
      log(`hnsw: loaded the graph of ${items.length} items from ${graphFile} in ${seconds()} s`);
    } else {
      index.put(rows);
      const written = writeSavedGraph(graphFile, index.graph, parameters, log);
      log(`hnsw: built the graph of ${items.length} items in ${seconds()} s${written ? `, saved to ${graphFile}` : ""}`);
    }
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
    const query = Array.from(vector);
    if (matches === undefined) return this.fromGraph(vector, k, this.graph.searchKnn(query, this.candidates(k)).neighbors, "graph") ?? this.exactScan(vector, k, undefined);
    const { filterPath, overfetch } = this.options;
    const n = this.slotOf.size;
    const expected = filterPath === "auto" || filterPath === "overfetch" ? this.estimatedMatches(matches) : 0;
    const overfetched = Math.max(this.options.efSearch, Math.ceil((overfetch * k * n) / expected));
    const exactCost = n * SCAN_COSTS.row + expected * SCAN_COSTS.dot;
    const overfetchCost = overfetched * SCAN_COSTS.candidate;
    const scanInstead = !(overfetchCost < exactCost) || expected < this.options.minOverfetchShare * n;
    if (filterPath === "exact" || (filterPath === "auto" && scanInstead)) return this.exactScan(vector, k, matches);
    if (filterPath !== "callback" && expected > 0) {
      const { neighbors } = this.graph.searchKnn(query, this.candidates(k, overfetched));
      const answer = this.fromGraph(vector, k, neighbors.filter((slot) => matches(slot)), "overfetch");
      if (answer) return answer;
    }
    return this.fromGraph(vector, k, this.graph.searchKnn(query, this.candidates(k), matches).neighbors, "callback") ?? this.exactScan(vector, k, matches);
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

  /** Adds or updates rows; `linked` false: the graph already holds each row's vector under its slot (a loaded graph). */
  private put(rows: readonly IndexedItem[], linked = true): void {
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
        if (linked) this.graph.addPoint(Array.from(row.vector), slot);
      }
    }
  }

  /** Room for `slots` slots in the graph and the arrays, growing by half again so inserts stay amortised. */
  private reserve(slots: number): void {
    const capacity = this.graph.getMaxElements();
    if (slots <= capacity) return;
    const grown = Math.max(slots, Math.ceil(capacity * 1.5));
    this.graph.resizeIndex(grown);
    this.growArrays(grown);
  }

  /** Replaces the (empty) graph by a loaded one, whose label s is slot s; the arrays grow to its capacity. */
  private adoptGraph(graph: hnswlib.HierarchicalNSW): void {
    this.graph = graph;
    this.growArrays(graph.getMaxElements());
  }

  private growArrays(capacity: number): void {
    const vectors = new Float32Array(capacity * this.dimension);
    vectors.set(this.vectors);
    this.vectors = vectors;
    this.scanSlots = new Int32Array(capacity);
    this.scanScores = new Float32Array(capacity);
  }

  /** How many candidates to ask the graph for: at least k and efSearch, at most every slot. */
  private candidates(k: number, wanted = this.options.efSearch): number {
    return Math.min(Math.max(wanted, k), this.items.length);
  }

  /** The k best of the graph's candidate slots, rescored exactly; undefined when there are fewer than k. */
  private fromGraph(vector: Float32Array, k: number, slots: readonly number[], path: "graph" | "overfetch" | "callback"): Scored[] | undefined {
    if (slots.length < k) return undefined;
    this.answered[path]++;
    const scores = this.scanScores;
    for (let i = 0; i < slots.length; i++) scores[i] = this.dot(vector, slots[i]);
    return this.results(scores.subarray(0, slots.length), k, (i) => slots[i]);
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
    const end = this.items.length;
    let count = 0;
    if (matches) {
      for (let slot = 0; slot < end; slot++) if (matches(slot)) slots[count++] = slot;
    } else {
      for (let slot = 0; slot < end; slot++) if (this.items[slot] !== undefined) slots[count++] = slot;
    }
    for (let i = 0; i < count; i++) scores[i] = this.dot(vector, slots[i]);
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
