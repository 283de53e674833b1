import type { Filter, IndexedItem, Scored, VectorIndex } from "./types.ts";

/**
 * A durable index (LanceDB) with an in-memory copy that answers vector queries and lookups. Measured on
 * this catalog (npm run bench:serve), a LanceDB flat query costs tens of milliseconds while the memory scan
 * costs about one, and the request budget is p99 < 10 ms. Writes go to the durable index first, so a
 * failed write never leaves the copy ahead of the store; full-text search stays with the durable index.
 * Both hold the same rows and apply the same filter semantics (one contract suite), so answers agree.
 * The copy is a MemoryIndex (exact flat scan) or, for a large catalog, an HnswIndex: query-mirror.node.ts chooses.
 */
export class MirroredIndex implements VectorIndex {
  readonly kind: string;
  readonly dimension: number;

  constructor(
    private readonly durable: VectorIndex,
    private readonly memory: VectorIndex,
  ) {
    if (durable.dimension !== memory.dimension) throw new Error(`dimension mismatch: ${durable.dimension} vs ${memory.dimension}`);
    this.kind = `${durable.kind} (queries from a ${memory.kind} mirror)`;
    this.dimension = durable.dimension;
  }

  count(): Promise<number> {
    return this.memory.count();
  }

  async upsert(rows: readonly IndexedItem[]): Promise<void> {
    await this.durable.upsert(rows);
    await this.memory.upsert(rows);
  }

  async delete(ids: readonly string[]): Promise<void> {
    await this.durable.delete(ids);
    await this.memory.delete(ids);
  }

  get(id: string): Promise<IndexedItem | undefined> {
    return this.memory.get(id);
  }

  query(vector: Float32Array, opts: { k: number; filter?: Filter }): Promise<Scored[]> {
    return this.memory.query(vector, opts);
  }

  search(text: string, opts: { k: number }): Promise<Scored[]> {
    return this.durable.search(text, opts);
  }
}
