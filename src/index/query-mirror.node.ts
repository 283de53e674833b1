/**
 * Which in-memory index answers the Node service's vector queries (the read side of MirroredIndex): an
 * exact flat scan for a catalog up to HNSW_ABOVE_ITEMS items, an HNSW graph above. The entry point calls
 * queryMirrorFor with the catalog; nothing above the index layer chooses.
 */
import { join } from "node:path";
import type { Item } from "../core/types.ts";
import { HnswIndex } from "./hnsw.node.ts";
import { MemoryIndex } from "./memory.ts";

/**
 * Catalogs with more items than this get an HNSW graph. Measured with `npm run bench:index -- --index memory|hnsw
 * --rows N` (64 dims, this 2-core machine at load average 5-8): the flat scan answers in p50 1.6 ms / p99 2.9 ms
 * at 20k items, 3.9 / 5.7 ms at 50k and 7.8 / 44 ms at 100k, growing with the catalog; the graph in p50 0.26 ms
 * at 20k and at 100k, with recall@10 0.99 and 0.98, for a build of 3 s and 34 s. Up to 20k the scan is exact,
 * needs no build and stays within a few milliseconds; above it the graph wins.
 */
export const HNSW_ABOVE_ITEMS = 20_000;

export type QueryMirrorKind = "memory" | "hnsw";

export function queryMirrorKind(itemCount: number, hnswAbove = HNSW_ABOVE_ITEMS): QueryMirrorKind {
  return itemCount > hnswAbove ? "hnsw" : "memory";
}

export interface QueryMirrorOptions {
  hnswAbove?: number;
  /** Where an HNSW graph is saved and loaded from (the artifacts directory): hnsw-<items>x<dimension>.bin. */
  graphDir?: string;
  log?: (line: string) => void;
}

/** The query mirror of a catalog: item i's vector is row i of `vectors` (row-major, n x dimension). */
export function queryMirrorFor(items: readonly Item[], vectors: Float32Array, dimension: number, options: QueryMirrorOptions = {}): MemoryIndex | HnswIndex {
  const { hnswAbove = HNSW_ABOVE_ITEMS, graphDir, log } = options;
  if (queryMirrorKind(items.length, hnswAbove) === "memory") return MemoryIndex.fromArrays(items, vectors, dimension);
  const graphFile = graphDir === undefined ? undefined : join(graphDir, `hnsw-${items.length}x${dimension}.bin`);
  return HnswIndex.fromArrays(items, vectors, dimension, { graphFile, log });
}
