/**
 * VectorizeIndex: a VectorIndex over a Cloudflare Vectorize binding, for catalogs whose vectors should not live
 * in a Worker's memory. The Vectorize index must use the dot-product metric and have two metadata indexes,
 * created before any vector is inserted (README, "Vectorize"): `id` (string) and `year` (number).
 *
 * What each vector holds: values = the item's vector; metadata = { id: the vector id (filterable), year (when
 * known, filterable), item: the catalog entry as JSON (what results return), w: the write stamp (see below) }.
 * Vector ids are the item ids, except ids over Vectorize's 64 bytes (and ids that look like a hash), which
 * become "#sha256:" + base64url(SHA-256(id)); the item's own id is always in the item JSON.
 *
 * Filters: the year bounds and as many excludeIds as fit in the 2048-byte filter ($nin on `id`) go to Vectorize;
 * genres cannot (Vectorize filters scalar properties, and an item has several genres; ten metadata indexes
 * cannot hold a flag per genre), nor can excludeIds past the size limit. Every candidate is then checked here
 * against the whole filter (compileFilter) and rescored exactly from its values, so scores are exact dot products
 * and ties go to the smaller id as the contract says. Candidates come in rounds: the nearest k + 1 (20 when part
 * of the filter stays here) with values and metadata in one call (20 is Vectorize's limit with details); when
 * those do not settle the top k (fewer than k matches, or the k-th score not above the round's lowest), the
 * nearest 100 (the limit without details), the new ones fetched with getByIds, with the excluded ids met so far
 * first in the $nin; at most MAX_ROUNDS calls to query. So a filter whose part applied here rejects all of the
 * 100 nearest candidates returns fewer than k: Vectorize cannot be scanned, and that is the one place this index
 * answers less than the contract's "fewer only if fewer match" (the tests show where).
 *
 * Consistency: Vectorize applies writes a few seconds after the call returns. So that this isolate reads its
 * own writes, written rows and deleted ids stay in an overlay (pending) that queries merge with Vectorize's
 * answers (remote rows with a pending id are ignored), until Vectorize is seen to hold them: describe() names
 * the last processed mutation and Vectorize applies mutations in order, so every write of ours up to that
 * mutation is in; an upsert is also in once getByIds returns the vector with its write stamp; and a later write
 * by another isolate (a newer stamp) supersedes ours. An overlay entry older than PENDING_MAX_MS is dropped
 * whatever Vectorize says, so a lost write cannot hide the index's real state for long. Other isolates see
 * a write when Vectorize has applied it.
 *
 * Full-text search runs over a title index in memory (a MemoryIndex of dimension 1, used for its BM25 search
 * only), seeded from the catalog the Worker loads and kept current by this isolate's writes: Vectorize has no
 * text search.
 */
import { AppError, InputError } from "../core/errors.ts";
import type { Item } from "../core/types.ts";
import { checkDimension, checkedRows, checkK, checkVector } from "./checks.ts";
import { checkFilter, compileFilter } from "./filter.ts";
import { MemoryIndex } from "./memory.ts";
import { byScoreThenId } from "./order.ts";
import { copyItem } from "./results.ts";
import type { Filter, IndexedItem, Scored, VectorIndex } from "./types.ts";
import { utf8Bytes, VECTORIZE_LIMITS as LIMITS, type VectorizeBinding, type VectorizeFilter, type VectorizeMatch, type VectorizeMetadata, type VectorizeVector } from "./vectorize-binding.ts";

/** The metadata properties VectorizeIndex writes; `id` and `year` need metadata indexes. */
export const VECTORIZE_METADATA = { id: "id", year: "year", item: "item", stamp: "w" } as const;
export const VECTORIZE_METADATA_INDEXES = { [VECTORIZE_METADATA.id]: "string", [VECTORIZE_METADATA.year]: "number" } as const;

/** How long a write of this isolate may shadow what Vectorize answers (Vectorize applies writes in seconds). */
export const PENDING_MAX_MS = 5 * 60_000;

const HASHED_PREFIX = "#sha256:";

/** Calls to query() per VectorIndex query at most: one with details, then rounds of the nearest 100. */
const MAX_ROUNDS = 4;

export interface VectorizeIndexOptions {
  dimension: number;
  /** Items already in the Vectorize index (the exported catalog): searchable by title from the start. */
  catalog?: readonly Item[];
  /** Clock for write stamps and the overlay's age, in milliseconds. */
  now?: () => number;
}

/** A write of this isolate that Vectorize may not show yet: a row (upsert) or a deletion. */
interface Pending {
  row?: IndexedItem;
  stamp?: string;
  /** Our mutation that carried it, by issue order. */
  seq: number;
  at: number;
  /** Whether Vectorize held the id at the last look (for count). */
  remote?: boolean;
}

export class VectorizeIndex implements VectorIndex {
  readonly kind = "vectorize";
  readonly dimension: number;
  private readonly titles = new MemoryIndex(1);
  private readonly pending = new Map<string, Pending>();
  /** Our mutation ids not yet known to be processed, oldest first, with their issue numbers. */
  private readonly mutations: Array<{ id: string; seq: number }> = [];
  private seq = 0;
  private readonly now: () => number;

  constructor(
    private readonly binding: VectorizeBinding,
    options: VectorizeIndexOptions,
  ) {
    checkDimension(options.dimension);
    this.dimension = options.dimension;
    this.now = options.now ?? Date.now;
    if (options.catalog?.length) this.titles = MemoryIndex.fromArrays(options.catalog, new Float32Array(options.catalog.length), 1);
  }

  async count(): Promise<number> {
    const info = await this.settle();
    let count = info?.vectorCount ?? (await this.call("describe", () => this.binding.describe())).vectorCount;
    for (const p of this.pending.values()) {
      if (p.row && !p.remote) count++;
      if (!p.row && p.remote) count--;
    }
    return count;
  }

  async upsert(rows: readonly IndexedItem[]): Promise<void> {
    const checked = checkedRows(rows, this.dimension);
    const at = this.now();
    const prepared = await Promise.all(
      checked.map(async (row) => {
        const stamp = `${at.toString(36)}.${crypto.randomUUID().slice(0, 8)}`;
        return { row, stamp, vector: await vectorOf(row, stamp) };
      }),
    );
    for (let start = 0; start < prepared.length; start += LIMITS.upsertBatch) {
      const batch = prepared.slice(start, start + LIMITS.upsertBatch);
      const seq = this.issued((await this.call("upsert", () => this.binding.upsert(batch.map((p) => p.vector)))).mutationId);
      for (const { row, stamp } of batch) {
        this.pending.set(row.id, { row: { ...copyItem(row), vector: row.vector.slice() }, stamp, seq, at });
      }
      await this.titles.upsert(batch.map(({ row }) => ({ ...copyItem(row), vector: new Float32Array(1) })));
    }
  }

  async delete(ids: readonly string[]): Promise<void> {
    const unique = [...new Set(ids)];
    const at = this.now();
    const vectorIds = await Promise.all(unique.map(vectorIdOf));
    for (let start = 0; start < unique.length; start += LIMITS.deleteBatch) {
      const seq = this.issued((await this.call("deleteByIds", () => this.binding.deleteByIds(vectorIds.slice(start, start + LIMITS.deleteBatch)))).mutationId);
      for (const id of unique.slice(start, start + LIMITS.deleteBatch)) this.pending.set(id, { seq, at });
    }
    await this.titles.delete(unique);
  }

  async get(id: string): Promise<IndexedItem | undefined> {
    const pending = this.pending.get(id);
    if (pending) return pending.row && { ...copyItem(pending.row), vector: pending.row.vector.slice() };
    const [found] = await this.getByIds([await vectorIdOf(id)]);
    return found && rowOf(found);
  }

  async query(vector: Float32Array, opts: { k: number; filter?: Filter }): Promise<Scored[]> {
    checkK(opts.k);
    checkVector(vector, this.dimension, "query vector");
    if (opts.filter) checkFilter(opts.filter);
    if (opts.k === 0) return [];
    await this.settle();
    const matches = compileFilter(opts.filter);
    const found = new Map<string, Scored>();
    for (const p of this.pending.values()) if (p.row && matches(p.row)) found.set(p.row.id, { item: copyItem(p.row), score: dot(vector, p.row.vector) });

    /** Exact scores of the vectors Vectorize returned, by vector id. */
    const scored = new Map<string, number>();
    const take = (vectors: VectorizeVector[]) => {
      for (const v of vectors) {
        const row = rowOf(v);
        const score = dot(vector, row.vector);
        scored.set(v.id, score);
        if (!this.pending.has(row.id) && matches(row)) found.set(row.id, { item: copyItem(row), score });
      }
    };
    // Whether the top k is known: Vectorize returned all it had, or the k-th best beats the lowest score of the
    // last round (anything it did not return scores no higher; equal could still win the tie on id).
    const settled = (round: VectorizeMatch[], topK: number) => {
      if (round.length < topK) return true;
      const lowest = Math.min(...round.map((m) => scored.get(m.id) ?? Math.fround(m.score)));
      const best = [...found.values()].sort(byScoreThenId);
      return best.length >= opts.k && best[opts.k - 1].score > lowest;
    };
    const excluded = new Set(await Promise.all((opts.filter?.excludeIds ?? []).map(vectorIdOf)));
    /** Excluded ids Vectorize returned: near the query, so they go into the next round's $nin first. */
    const nearExcluded: string[] = [];
    const query = async (topK: number, details: boolean) => {
      const { filter } = pushdown(opts.filter, excluded, nearExcluded);
      const { matches: round } = await this.call("query", () => this.binding.query(vector, { topK, returnValues: details, returnMetadata: details ? "all" : "none", ...(filter && { filter }) }));
      for (const m of round) if (excluded.has(m.id) && !scored.has(m.id)) nearExcluded.push(m.id);
      return round;
    };

    // Round 1, with details: k + 1 (to see past the k-th) plus the ids the overlay shadows when Vectorize applies
    // the whole filter; else as many as one call gives.
    const firstK = Math.min(LIMITS.topKWithDetails, pushdown(opts.filter, excluded, []).exact ? opts.k + 1 + this.pending.size : LIMITS.topKWithDetails);
    let round = await query(firstK, true);
    take(round.map((m) => ({ id: m.id, values: m.values ?? [], metadata: m.metadata })));
    // Then the nearest 100 (Vectorize's limit without details), details fetched for the new ones, until the top
    // k is known, or the next round would ask the same (no new excluded id met), or MAX_ROUNDS.
    for (let rounds = 1; rounds < MAX_ROUNDS && !settled(round, rounds === 1 ? firstK : LIMITS.topK); rounds++) {
      const learned = nearExcluded.length;
      round = await query(LIMITS.topK, false);
      const fresh = round.filter((m) => !scored.has(m.id));
      for (const m of fresh) if (excluded.has(m.id)) scored.set(m.id, Math.fround(m.score));
      take(await this.getByIds(fresh.filter((m) => !excluded.has(m.id)).map((m) => m.id)));
      if (nearExcluded.length === learned) break;
    }
    return [...found.values()].sort(byScoreThenId).slice(0, opts.k);
  }

  async search(text: string, opts: { k: number }): Promise<Scored[]> {
    return this.titles.search(text, opts);
  }

  /** Records a mutation of ours; returns its issue number. */
  private issued(mutationId: string): number {
    this.mutations.push({ id: String(mutationId), seq: ++this.seq });
    return this.seq;
  }

  /**
   * Drops the overlay entries Vectorize is seen to hold (see the file comment); records, for the rest,
   * whether Vectorize holds their id. Returns describe()'s answer when it asked (only with entries pending).
   */
  private async settle(): Promise<{ vectorCount: number } | undefined> {
    if (this.pending.size === 0) return undefined;
    const info = await this.call("describe", () => this.binding.describe());
    const processed = this.mutations.findIndex((m) => m.id === String(info.processedUpToMutation));
    if (processed >= 0) {
      const upTo = this.mutations[processed].seq;
      this.mutations.splice(0, processed + 1);
      for (const [id, p] of this.pending) if (p.seq <= upTo) this.pending.delete(id);
    }
    const nowMs = this.now();
    const entries = [...this.pending];
    const vectorIds = await Promise.all(entries.map(([id]) => vectorIdOf(id)));
    const remote = new Map((await this.getByIds(vectorIds)).map((v) => [v.id, v]));
    entries.forEach(([id, p], i) => {
      const there = remote.get(vectorIds[i]);
      const stamp = there?.metadata?.[VECTORIZE_METADATA.stamp];
      const applied = p.row !== undefined && stamp === p.stamp;
      const superseded = typeof stamp === "string" && stampTime(stamp) > p.at;
      if (applied || superseded || nowMs - p.at > PENDING_MAX_MS) this.pending.delete(id);
      else p.remote = there !== undefined;
    });
    if (this.pending.size === 0) this.mutations.length = 0;
    return info;
  }

  private async getByIds(ids: readonly string[]): Promise<VectorizeVector[]> {
    const out: VectorizeVector[] = [];
    for (let start = 0; start < ids.length; start += LIMITS.getBatch) {
      out.push(...(await this.call("getByIds", () => this.binding.getByIds(ids.slice(start, start + LIMITS.getBatch)))));
    }
    return out;
  }

  /** A failing Vectorize call as a labelled AppError (HTTP 502), naming the operation. */
  private async call<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      throw new AppError("vectorize_failed", `Vectorize ${operation} failed: ${e instanceof Error ? e.message : String(e)}`, { status: 502, cause: e });
    }
  }
}

/** The Vectorize id of an item id: itself when it fits in 64 bytes, else a hash (see the file comment). */
export async function vectorIdOf(id: string): Promise<string> {
  if (utf8Bytes(id) <= LIMITS.idBytes && !id.startsWith(HASHED_PREFIX)) return id;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(id)));
  return HASHED_PREFIX + btoa(String.fromCharCode(...digest)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The vector VectorizeIndex writes for a row (also what `recagent export --vectorize` writes, without a stamp). */
export async function vectorOf(row: IndexedItem, stamp?: string): Promise<VectorizeVector> {
  const id = await vectorIdOf(row.id);
  const metadata: VectorizeMetadata = { [VECTORIZE_METADATA.id]: id, [VECTORIZE_METADATA.item]: JSON.stringify(copyItem(row)) };
  if (row.year !== undefined) metadata[VECTORIZE_METADATA.year] = row.year;
  if (stamp !== undefined) metadata[VECTORIZE_METADATA.stamp] = stamp;
  const bytes = utf8Bytes(JSON.stringify(metadata));
  if (bytes > LIMITS.metadataBytes) {
    throw new InputError(`item ${JSON.stringify(row.id)} needs ${bytes} bytes of Vectorize metadata; Vectorize stores at most ${LIMITS.metadataBytes}: shorten its text or tags`);
  }
  return { id, values: Array.from(row.vector), metadata };
}

/** The row a Vectorize vector holds; a vector without recagent's item metadata is an error naming it. */
function rowOf(v: VectorizeVector): IndexedItem {
  const json = v.metadata?.[VECTORIZE_METADATA.item];
  let item: Partial<Item> | undefined;
  try {
    item = typeof json === "string" ? (JSON.parse(json) as Partial<Item>) : undefined;
  } catch {
    item = undefined;
  }
  if (!item || typeof item.id !== "string" || typeof item.title !== "string" || !Array.isArray(item.genres) || !Array.isArray(item.tags)) {
    throw new AppError("vectorize_data", `Vectorize vector ${JSON.stringify(v.id)} has no valid "${VECTORIZE_METADATA.item}" metadata; fill the index from \`recagent export --vectorize\``, { status: 502 });
  }
  return { ...copyItem(item as Item), vector: Float32Array.from(v.values) };
}

/**
 * The part of a filter Vectorize can apply: year bounds, and excluded vector ids as $nin while the filter stays
 * under its size limit, `first` before the others. `exact` is true when that is the whole filter.
 */
function pushdown(filter: Filter | undefined, excluded: ReadonlySet<string>, first: readonly string[]): { filter?: VectorizeFilter; exact: boolean } {
  if (!filter) return { exact: true };
  const out: VectorizeFilter = {};
  let exact = !filter.genresAny?.length && !filter.genresNone?.length;
  if (filter.yearMin !== undefined || filter.yearMax !== undefined) {
    out[VECTORIZE_METADATA.year] = { ...(filter.yearMin !== undefined && { $gte: filter.yearMin }), ...(filter.yearMax !== undefined && { $lte: filter.yearMax }) };
  }
  if (excluded.size > 0) {
    const pushed: string[] = [];
    // The filter's JSON with an empty list, plus each id's JSON and a comma: the size stays exact without re-serialising.
    let bytes = utf8Bytes(JSON.stringify({ ...out, [VECTORIZE_METADATA.id]: { $nin: [] } }));
    for (const id of new Set([...first, ...excluded])) {
      const more = utf8Bytes(JSON.stringify(id)) + (pushed.length > 0 ? 1 : 0);
      if (bytes + more >= LIMITS.filterBytes) {
        exact = false;
        break;
      }
      pushed.push(id);
      bytes += more;
    }
    if (pushed.length) out[VECTORIZE_METADATA.id] = { $nin: pushed };
  }
  return { filter: Object.keys(out).length ? out : undefined, exact };
}

function stampTime(stamp: string): number {
  return Number.parseInt(stamp.split(".")[0], 36);
}

/** The dot product, rounded once to float32 (as the in-memory indexes score). */
function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let j = 0; j < a.length; j++) sum += a[j] * b[j];
  return Math.fround(sum);
}
