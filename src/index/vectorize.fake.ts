/**
 * An in-process stand-in for a Vectorize (V2) binding, for tests in Node and workerd: wrangler and miniflare do
 * not emulate Vectorize, so VectorizeIndex is tested against this. It follows the documented API and limits
 * (vectorize-binding.ts): method shapes; topK at most 100, or 20 with values or all metadata; 1000 vectors per
 * upsert; ids of at most 64 bytes; metadata of at most 10 KiB; filters with $eq $ne $in $nin $lt $lte $gt $gte,
 * under 2048 bytes of JSON, one lower and one upper bound at most; filters see only properties with a metadata
 * index, as the vector had them when written, strings cut to their first 64 bytes. Over-limit calls throw.
 *
 * What the documentation leaves open is chosen to be hard on the caller: equal scores come back in descending
 * id order (the real order of ties is unspecified), and a vector without a filtered property fails every
 * operator except $ne and $nin. With consistency "manual" or "lagging", writes wait in a queue, as Vectorize
 * applies them seconds after the call returns; reads see only what was processed.
 */
import {
  utf8Bytes,
  VECTORIZE_LIMITS as LIMITS,
  type VectorizeAsyncMutation,
  type VectorizeBinding,
  type VectorizeFilter,
  type VectorizeIndexInfo,
  type VectorizeMatch,
  type VectorizeMatches,
  type VectorizeMetadata,
  type VectorizeMetadataValue,
  type VectorizeQueryOptions,
  type VectorizeVector,
} from "./vectorize-binding.ts";

export type MetadataIndexType = "string" | "number" | "boolean";

export interface FakeVectorizeOptions {
  dimensions: number;
  metric?: "dot-product" | "cosine" | "euclidean";
  /** Metadata indexes that exist from the start (wrangler vectorize create-metadata-index). */
  metadataIndexes?: Record<string, MetadataIndexType>;
  /**
   * "immediate": a write is applied when made; "manual": writes queue until processMutations(); "lagging": each
   * call to the binding first applies the oldest queued write (reads see a state a few writes behind).
   */
  consistency?: "immediate" | "manual" | "lagging";
}

interface Stored {
  id: string;
  values: Float32Array;
  metadata?: VectorizeMetadata;
  /** The indexed properties as the metadata indexes held them when the vector was written. */
  indexed: Map<string, VectorizeMetadataValue>;
}

type Call = { method: "query"; topK: number; returnValues: boolean; returnMetadata: string; filter?: VectorizeFilter } | { method: "upsert" | "insert" | "deleteByIds" | "getByIds" | "describe"; size: number };

const RANGE_OPS = ["$lt", "$lte", "$gt", "$gte"] as const;
const OPS = new Set(["$eq", "$ne", "$in", "$nin", ...RANGE_OPS]);

export class FakeVectorize implements VectorizeBinding {
  readonly calls: Call[] = [];
  private readonly stored = new Map<string, Stored>();
  private readonly queue: Array<() => void> = [];
  private readonly metadataIndexes: Map<string, MetadataIndexType>;
  private mutations = 0;
  private processedUpTo = "";
  private readonly dimensions: number;
  private readonly metric: NonNullable<FakeVectorizeOptions["metric"]>;
  private readonly consistency: NonNullable<FakeVectorizeOptions["consistency"]>;

  constructor(options: FakeVectorizeOptions) {
    this.dimensions = options.dimensions;
    this.metric = options.metric ?? "dot-product";
    this.consistency = options.consistency ?? "immediate";
    this.metadataIndexes = new Map(Object.entries(options.metadataIndexes ?? {}));
  }

  /** Like `wrangler vectorize create-metadata-index`: vectors written before it are not in it. */
  createMetadataIndex(propertyName: string, type: MetadataIndexType): void {
    if (this.metadataIndexes.size >= 10) throw new Error("VECTOR_METADATA_INDEX_ERROR: at most 10 metadata indexes per Vectorize index");
    this.metadataIndexes.set(propertyName, type);
  }

  /** Applies up to `count` queued writes, oldest first; returns how many are still queued. */
  processMutations(count = Number.POSITIVE_INFINITY): number {
    for (let i = 0; i < count && this.queue.length > 0; i++) this.queue.shift()!();
    return this.queue.length;
  }

  get pendingMutations(): number {
    return this.queue.length;
  }

  async describe(): Promise<VectorizeIndexInfo> {
    this.lag();
    this.calls.push({ method: "describe", size: 0 });
    return { dimensions: this.dimensions, vectorCount: this.stored.size, processedUpToDatetime: 0, processedUpToMutation: this.processedUpTo };
  }

  async query(vector: number[] | Float32Array | Float64Array, options: VectorizeQueryOptions = {}): Promise<VectorizeMatches> {
    this.lag();
    const topK = options.topK ?? 5;
    const returnValues = options.returnValues ?? false;
    const returnMetadata = options.returnMetadata === true ? "all" : options.returnMetadata === false || options.returnMetadata === undefined ? "none" : options.returnMetadata;
    this.calls.push({ method: "query", topK, returnValues, returnMetadata, ...(options.filter && { filter: options.filter }) });
    this.checkValues(vector, "query vector");
    const detailed = returnValues || returnMetadata === "all";
    const maxTopK = detailed ? LIMITS.topKWithDetails : LIMITS.topK;
    if (!Number.isInteger(topK) || topK < 1 || topK > maxTopK) {
      throw new Error(`VECTOR_QUERY_ERROR: invalid topK ${topK}: it must be between 1 and ${maxTopK}${detailed ? " when returnValues or returnMetadata=all is set" : ""}`);
    }
    const matches = options.filter === undefined ? () => true : this.compileFilter(options.filter);
    const q = Float32Array.from(vector);
    const ascending = this.metric === "euclidean";
    const scored = [...this.stored.values()].filter(matches).map((v) => ({ v, score: this.score(q, v.values) }));
    // Ties in descending id order: whatever order the caller gets them in, it must not rely on it.
    scored.sort((a, b) => (ascending ? a.score - b.score : b.score - a.score) || (a.v.id < b.v.id ? 1 : a.v.id > b.v.id ? -1 : 0));
    const out = scored.slice(0, topK).map(({ v, score }): VectorizeMatch => {
      const match: VectorizeMatch = { id: v.id, score };
      if (returnValues) match.values = Array.from(v.values);
      if (returnMetadata === "all" && v.metadata) match.metadata = structuredClone(v.metadata);
      if (returnMetadata === "indexed") match.metadata = Object.fromEntries(v.indexed);
      return match;
    });
    return { matches: out, count: out.length };
  }

  async insert(vectors: VectorizeVector[]): Promise<VectorizeAsyncMutation> {
    return this.write("insert", vectors, (v) => !this.stored.has(v.id));
  }

  async upsert(vectors: VectorizeVector[]): Promise<VectorizeAsyncMutation> {
    return this.write("upsert", vectors, () => true);
  }

  async deleteByIds(ids: string[]): Promise<VectorizeAsyncMutation> {
    this.lag();
    this.calls.push({ method: "deleteByIds", size: ids.length });
    if (ids.length > LIMITS.deleteBatch) throw new Error(`VECTOR_DELETE_ERROR: at most ${LIMITS.deleteBatch} ids per call, got ${ids.length}`);
    const doomed = [...ids];
    return this.mutate(() => {
      for (const id of doomed) this.stored.delete(id);
    });
  }

  async getByIds(ids: string[]): Promise<VectorizeVector[]> {
    this.lag();
    this.calls.push({ method: "getByIds", size: ids.length });
    if (ids.length > LIMITS.getBatch) throw new Error(`VECTOR_GET_ERROR: at most ${LIMITS.getBatch} ids per call, got ${ids.length}`);
    return ids.flatMap((id) => {
      const v = this.stored.get(id);
      return v ? [{ id: v.id, values: Array.from(v.values), ...(v.metadata && { metadata: structuredClone(v.metadata) }) }] : [];
    });
  }

  private write(method: "insert" | "upsert", vectors: VectorizeVector[], admit: (v: VectorizeVector) => boolean): Promise<VectorizeAsyncMutation> {
    this.lag();
    this.calls.push({ method, size: vectors.length });
    if (vectors.length > LIMITS.upsertBatch) throw new Error(`VECTOR_UPSERT_ERROR: at most ${LIMITS.upsertBatch} vectors per call from a Worker, got ${vectors.length}`);
    const rows = vectors.map((v) => {
      if (typeof v.id !== "string" || v.id === "" || utf8Bytes(v.id) > LIMITS.idBytes) throw new Error(`VECTOR_UPSERT_ERROR: vector id ${JSON.stringify(v.id)} must be 1 to ${LIMITS.idBytes} bytes`);
      this.checkValues(v.values, `vector ${v.id}`);
      if (v.metadata !== undefined && utf8Bytes(JSON.stringify(v.metadata)) > LIMITS.metadataBytes) {
        throw new Error(`VECTOR_UPSERT_ERROR: metadata of vector ${v.id} is over ${LIMITS.metadataBytes} bytes`);
      }
      return { ...v, values: Float32Array.from(v.values), metadata: v.metadata && structuredClone(v.metadata) };
    });
    return this.mutate(() => {
      for (const v of rows) if (admit(v)) this.stored.set(v.id, { id: v.id, values: v.values, ...(v.metadata && { metadata: v.metadata }), indexed: this.indexedOf(v.metadata) });
    });
  }

  private async mutate(apply: () => void): Promise<VectorizeAsyncMutation> {
    const mutationId = `mutation-${++this.mutations}`;
    const run = () => {
      apply();
      this.processedUpTo = mutationId;
    };
    if (this.consistency === "immediate") run();
    else this.queue.push(run);
    return { mutationId };
  }

  private lag(): void {
    if (this.consistency === "lagging") this.processMutations(1);
  }

  private indexedOf(metadata: VectorizeMetadata | undefined): Map<string, VectorizeMetadataValue> {
    const indexed = new Map<string, VectorizeMetadataValue>();
    for (const [name, type] of this.metadataIndexes) {
      const value = metadata?.[name];
      if (value === undefined || typeof value !== type) continue;
      indexed.set(name, typeof value === "string" ? truncateUtf8(value, LIMITS.indexedStringBytes) : value);
    }
    return indexed;
  }

  private checkValues(values: ArrayLike<number>, what: string): void {
    if (values.length !== this.dimensions) throw new Error(`VECTOR_DIMENSION_MISMATCH: ${what} has ${values.length} dimensions, the index ${this.dimensions}`);
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) throw new Error(`VECTOR_INVALID: ${what} has a non-finite value`);
  }

  private score(q: Float32Array, v: Float32Array): number {
    let dot = 0;
    let qq = 0;
    let vv = 0;
    let dd = 0;
    for (let i = 0; i < q.length; i++) {
      dot += q[i] * v[i];
      qq += q[i] * q[i];
      vv += v[i] * v[i];
      dd += (q[i] - v[i]) ** 2;
    }
    if (this.metric === "euclidean") return Math.fround(Math.sqrt(dd));
    if (this.metric === "cosine") return Math.fround(qq === 0 || vv === 0 ? 0 : dot / Math.sqrt(qq * vv));
    return Math.fround(dot);
  }

  /** The filter as a predicate over stored vectors, after the checks the service makes. */
  private compileFilter(filter: VectorizeFilter): (v: Stored) => boolean {
    const json = JSON.stringify(filter);
    if (typeof filter !== "object" || filter === null || Array.isArray(filter) || Object.keys(filter).length === 0) throw new Error("VECTOR_QUERY_ERROR: filter must be a non-empty object");
    if (utf8Bytes(json) >= LIMITS.filterBytes) throw new Error(`VECTOR_QUERY_ERROR: filter is ${utf8Bytes(json)} bytes of JSON; it must be under ${LIMITS.filterBytes}`);
    const tests: Array<(v: Stored) => boolean> = [];
    for (const [key, condition] of Object.entries(filter)) {
      if (key === "" || key.startsWith("$") || /["|]/.test(key) || key.length > 512) throw new Error(`VECTOR_QUERY_ERROR: invalid filter key ${JSON.stringify(key)}`);
      const ops: Array<[string, unknown]> = condition !== null && typeof condition === "object" ? Object.entries(condition) : [["$eq", condition]];
      const names = ops.map(([op]) => op);
      const unknown = names.find((op) => !OPS.has(op));
      if (unknown !== undefined || ops.length === 0) throw new Error(`VECTOR_QUERY_ERROR: unsupported filter operator ${unknown ?? "(none)"} on ${key}`);
      const lower = names.filter((op) => op === "$gt" || op === "$gte").length;
      const upper = names.filter((op) => op === "$lt" || op === "$lte").length;
      if (ops.length > 1 && !(lower === 1 && upper === 1 && ops.length === 2)) throw new Error(`VECTOR_QUERY_ERROR: on ${key}, only one lower and one upper range bound may be combined`);
      for (const [op, operand] of ops) {
        const list = op === "$in" || op === "$nin";
        if (list !== Array.isArray(operand) || (list ? (operand as unknown[]) : [operand]).some((x) => x !== null && !["string", "number", "boolean"].includes(typeof x))) {
          throw new Error(`VECTOR_QUERY_ERROR: ${op} on ${key} takes ${list ? "an array of " : "a "}string, number, boolean or null`);
        }
        tests.push((v) => holds(op, v.indexed.get(key), operand));
      }
    }
    return (v) => tests.every((t) => t(v));
  }
}

function holds(op: string, value: VectorizeMetadataValue | undefined, operand: unknown): boolean {
  const cut = (x: unknown) => (typeof x === "string" ? truncateUtf8(x, LIMITS.indexedStringBytes) : x);
  const equals = (x: unknown) => (x === null ? value === undefined : value === cut(x));
  switch (op) {
    case "$eq":
      return equals(operand);
    case "$ne":
      return !equals(operand);
    case "$in":
      return (operand as unknown[]).some(equals);
    case "$nin":
      return !(operand as unknown[]).some(equals);
  }
  const bound = cut(operand);
  if (value === undefined || typeof value !== typeof bound) return false;
  const [a, b] = [value as string | number | boolean, bound as string | number | boolean];
  return op === "$lt" ? a < b : op === "$lte" ? a <= b : op === "$gt" ? a > b : a >= b;
}

/** The longest prefix of `s` that is well-formed UTF-8 of at most `bytes` bytes. */
function truncateUtf8(s: string, bytes: number): string {
  if (utf8Bytes(s) <= bytes) return s;
  let out = "";
  let used = 0;
  for (const ch of s) {
    const size = utf8Bytes(ch);
    if (used + size > bytes) break;
    out += ch;
    used += size;
  }
  return out;
}
