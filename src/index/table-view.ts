import type { Filter, IndexedItem, Scored, VectorIndex } from "./types.ts";

/**
 * A shared durable table as one process sees it: reads and text search always reach the table, writes only when
 * `writesThrough()` says so. Where another party writes the table (a cluster's primary; on a store, the replica
 * that took the write), the services still apply every change through the same VectorIndex calls, and this
 * view keeps them from writing it twice. By default nothing writes through.
 */
export class TableView implements VectorIndex {
  readonly kind: string;
  readonly dimension: number;

  constructor(readonly table: VectorIndex) {
    this.kind = table.kind;
    this.dimension = table.dimension;
  }

  protected writesThrough(): boolean {
    return false;
  }

  async upsert(rows: readonly IndexedItem[]): Promise<void> {
    if (this.writesThrough()) await this.table.upsert(rows);
  }

  async delete(ids: readonly string[]): Promise<void> {
    if (this.writesThrough()) await this.table.delete(ids);
  }

  count(): Promise<number> {
    return this.table.count();
  }

  get(id: string): Promise<IndexedItem | undefined> {
    return this.table.get(id);
  }

  query(vector: Float32Array, opts: { k: number; filter?: Filter }): Promise<Scored[]> {
    return this.table.query(vector, opts);
  }

  search(text: string, opts: { k: number }): Promise<Scored[]> {
    return this.table.search(text, opts);
  }
}
