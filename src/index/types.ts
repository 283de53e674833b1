import type { Item } from "../core/types.ts";

/** A catalog item with the vector the index serves it by (the model's item factors, or a content-mapped vector). */
export interface IndexedItem extends Item {
  vector: Float32Array;
}

/**
 * Constraints a query must satisfy; every field is optional and they combine with AND.
 * genresAny: at least one of these genres; genresNone: none of these; yearMin/yearMax: inclusive, and an item
 * without a year fails any year bound; excludeIds: never return these.
 */
export interface Filter {
  genresAny?: readonly string[];
  genresNone?: readonly string[];
  yearMin?: number;
  yearMax?: number;
  excludeIds?: readonly string[];
}

export interface Scored {
  item: Item;
  /** Dot product with the query vector for `query`; relevance (higher is better) for `search`. */
  score: number;
}

/**
 * The store the service retrieves from. Every implementation passes the same contract suite
 * (index.contract.ts). Results are best first; ties go to the id that sorts first.
 */
export interface VectorIndex {
  /** "lancedb", "memory", ... : reported by /healthz. */
  readonly kind: string;
  readonly dimension: number;
  count(): Promise<number>;
  /** Inserts or replaces by id. */
  upsert(rows: readonly IndexedItem[]): Promise<void>;
  delete(ids: readonly string[]): Promise<void>;
  get(id: string): Promise<IndexedItem | undefined>;
  /** The k items with the highest dot product with `vector` among those matching `filter`; fewer only if fewer match. */
  query(vector: Float32Array, opts: { k: number; filter?: Filter }): Promise<Scored[]>;
  /** Full-text search over titles (and tags/text where the implementation indexes them). */
  search(text: string, opts: { k: number }): Promise<Scored[]>;
}
