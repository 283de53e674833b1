/**
 * The Cloudflare Vectorize (V2) Workers binding, as far as VectorizeIndex uses it, in the shapes of
 * @cloudflare/workers-types (`VectorizeIndex`), and the documented limits that shape how it is called
 * (https://developers.cloudflare.com/vectorize/platform/limits/ and .../reference/metadata-filtering/).
 * VectorizeIndex and the stand-in for tests (vectorize.fake.ts) both hold to these.
 */

export type VectorizeMetadataValue = string | number | boolean;
export type VectorizeMetadata = Record<string, VectorizeMetadataValue>;

export interface VectorizeVector {
  /** At most 64 bytes of UTF-8. */
  id: string;
  values: number[] | Float32Array | Float64Array;
  namespace?: string;
  /** At most 10 KiB as JSON. */
  metadata?: VectorizeMetadata;
}

export interface VectorizeMatch {
  id: string;
  score: number;
  values?: number[];
  metadata?: VectorizeMetadata;
  namespace?: string;
}

export interface VectorizeMatches {
  matches: VectorizeMatch[];
  count: number;
}

type Scalar = string | number | boolean | null;
/** Implicit $eq (a bare value), one comparison, or a collection operator; keys AND together. */
export type VectorizeFilterValue =
  | Scalar
  | { $eq?: Scalar; $ne?: Scalar; $lt?: Scalar; $lte?: Scalar; $gt?: Scalar; $gte?: Scalar }
  | { $in?: Scalar[]; $nin?: Scalar[] };
export type VectorizeFilter = Record<string, VectorizeFilterValue>;

export interface VectorizeQueryOptions {
  topK?: number;
  namespace?: string;
  returnValues?: boolean;
  returnMetadata?: boolean | "none" | "indexed" | "all";
  filter?: VectorizeFilter;
}

export interface VectorizeIndexInfo {
  dimensions: number;
  vectorCount: number;
  processedUpToDatetime?: number;
  processedUpToMutation?: unknown;
}

/** Writes are asynchronous: they return a mutation id and become visible to reads a few seconds later. */
export interface VectorizeAsyncMutation {
  mutationId: string;
}

export interface VectorizeBinding {
  describe(): Promise<VectorizeIndexInfo>;
  query(vector: number[] | Float32Array | Float64Array, options?: VectorizeQueryOptions): Promise<VectorizeMatches>;
  insert(vectors: VectorizeVector[]): Promise<VectorizeAsyncMutation>;
  upsert(vectors: VectorizeVector[]): Promise<VectorizeAsyncMutation>;
  deleteByIds(ids: string[]): Promise<VectorizeAsyncMutation>;
  getByIds(ids: string[]): Promise<VectorizeVector[]>;
}

export const VECTORIZE_LIMITS = {
  idBytes: 64,
  metadataBytes: 10 * 1024,
  /** topK when values or all metadata are returned. */
  topKWithDetails: 20,
  /** topK with ids and scores (and indexed metadata) only. */
  topK: 100,
  /** Vectors per insert/upsert call from a Worker (the HTTP API takes 5000). */
  upsertBatch: 1000,
  /** Ids per deleteByIds call: the figure of the HTTP API's delete_by_ids; the binding's own is not published. */
  deleteBatch: 1000,
  /** Ids per getByIds call: not published for the binding; 20 (the query detail limit) is the conservative guess. */
  getBatch: 20,
  /** A filter's compact JSON must be shorter than this. */
  filterBytes: 2048,
  /** A string metadata index holds the first 64 bytes of the value. */
  indexedStringBytes: 64,
} as const;

export const utf8Bytes = (s: string): number => new TextEncoder().encode(s).length;
