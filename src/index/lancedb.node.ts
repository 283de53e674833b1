/**
 * LanceDbIndex: the durable VectorIndex, one LanceDB table per catalog. Queries are flat (exact) dot-product
 * searches with the filter pushed down as a where clause, which LanceDB applies before picking the k best
 * (prefilter), so k rows come back whenever k rows match. `search` is LanceDB's BM25 full-text search over
 * title and tags; rows written after the FTS index was built are searched too (unindexed rows are scanned).
 */
import * as lancedb from "@lancedb/lancedb";
import { AppError } from "../core/errors.ts";
import { checkDimension, checkedRows, checkK, checkVector } from "./checks.ts";
import { filterToSql, sqlString } from "./filter.ts";
import { ATTRIBUTES_COLUMN, arrow, ITEM_COLUMNS, itemSchema, itemsTable, type StoredRow, toIndexedItem, toItem } from "./lancedb-rows.node.ts";
import { byScoreThenId } from "./order.ts";
import { TAG_WEIGHT } from "./text-search.ts";
import type { Filter, IndexedItem, Scored, VectorIndex } from "./types.ts";

export interface LanceDbOptions {
  /** Table name inside the database directory. */
  table: string;
  dimension: number;
  /**
   * Seconds between checks for versions other processes committed (LanceDB's readConsistencyInterval); 0 checks
   * on every read. Unset: this connection sees its own writes only, right for the table's single writer.
   */
  readConsistencyInterval?: number;
  /**
   * For a database on object storage (`dir` an s3:// URI): lance's object_store options (aws_endpoint, allow_http,
   * keys, region), as lanceDbLocation in src/store/ makes them. Commits there are conditional PUTs, so concurrent
   * writers from several machines are safe (README, object storage).
   */
  storageOptions?: Record<string, string>;
}

/** Tokens as MemoryIndex makes them (see text-search.ts): no stemming, and no stop words, or "It" is unfindable. */
const FTS_OPTIONS = { baseTokenizer: "simple", lowercase: true, asciiFolding: true, stem: false, removeStopWords: false } as const;
const TEXT_COLUMNS = ["title", "tags"];

export class LanceDbIndex implements VectorIndex {
  readonly kind = "lancedb";

  private constructor(
    private readonly table: lancedb.Table,
    readonly dimension: number,
  ) {}

  /** Opens the table in `dir` (a folder, or an s3:// URI with storageOptions), creating it (empty) if it does not exist. */
  static async open(dir: string, opts: LanceDbOptions): Promise<LanceDbIndex> {
    checkDimension(opts.dimension);
    const db = await lancedb.connect(dir, { readConsistencyInterval: opts.readConsistencyInterval, storageOptions: opts.storageOptions });
    await addAttributesColumn(db, opts.table);
    // existOk opens a table whose schema matches and creates a missing one. A table whose first build
    // was killed before it committed has a directory but no version: this creates it empty, too.
    const create = (primaryKey: boolean) => db.createEmptyTable(opts.table, itemSchema(opts.dimension, { primaryKey }), { mode: "create", existOk: true });
    const schemaProblem = (cause: unknown) => {
      if (!/schema/i.test(String(cause))) throw cause;
      throw new AppError("index_schema", `LanceDB table ${opts.table} in ${dir} does not have the items schema of dimension ${opts.dimension}; rebuild it`, { cause });
    };
    // A table made before the id column carried the primary-key mark opens as it is (without lance's check of new ids).
    const table = await create(true).catch((cause: unknown) => (/schema/i.test(String(cause)) ? create(false).catch(schemaProblem) : schemaProblem(cause)));
    await ensureTextIndexes(table);
    return new LanceDbIndex(table, opts.dimension);
  }

  /**
   * Replaces the table with `rows` in one write. Atomic through LanceDB's own commit: a write becomes
   * visible only when its version manifest is committed, and this writes all rows as one version, so a
   * kill mid-build leaves the previous table as it was (or, on a first build, no version, which `open`
   * treats as an empty table). The text indexes are a second commit, and `open` creates them if a kill
   * came in between. Run it as the table's only writer.
   *
   * With fewer than 3 LanceDB compute threads (LANCE_CPU_THREADS defaults to the core count), LanceDB 0.31
   * deadlocks building the text index of a table of about 300k rows or more: on a 2-core machine the
   * entry point must set LANCE_CPU_THREADS=4 before LanceDB is first used.
   */
  static async build(dir: string, rows: readonly IndexedItem[], opts: LanceDbOptions): Promise<LanceDbIndex> {
    checkDimension(opts.dimension);
    const schema = itemSchema(opts.dimension);
    const data = itemsTable(checkedRows(rows, opts.dimension), opts.dimension);
    const db = await lancedb.connect(dir, { storageOptions: opts.storageOptions });
    const table = await db.createTable(opts.table, data, { mode: "overwrite", schema });
    await ensureTextIndexes(table);
    // Overwriting keeps the replaced versions on disk; a start-up build each run would pile them up.
    await table.optimize({ cleanupOlderThan: new Date() });
    return new LanceDbIndex(table, opts.dimension);
  }

  /** Deletes the table (nothing to do when there is none). */
  static async drop(dir: string, table: string, storageOptions?: Record<string, string>): Promise<void> {
    const db = await lancedb.connect(dir, { storageOptions });
    if ((await db.tableNames()).includes(table)) await db.dropTable(table);
  }

  async count(): Promise<number> {
    return this.table.countRows();
  }

  async upsert(rows: readonly IndexedItem[]): Promise<void> {
    const checked = checkedRows(rows, this.dimension);
    if (checked.length === 0) return;
    await this.table.mergeInsert("id").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(itemsTable(checked, this.dimension));
  }

  async delete(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.table.delete(`id IN (${ids.map(sqlString).join(", ")})`);
  }

  async get(id: string): Promise<IndexedItem | undefined> {
    const rows = await this.table.query().where(`id = ${sqlString(id)}`).limit(1).toArray();
    return rows.length ? toIndexedItem(rows[0]) : undefined;
  }

  async query(vector: Float32Array, opts: { k: number; filter?: Filter }): Promise<Scored[]> {
    checkK(opts.k);
    checkVector(vector, this.dimension, "query vector");
    const where = filterToSql(opts.filter);
    return this.best(
      opts.k,
      (limit) => {
        const query = this.table.vectorSearch(vector).distanceType("dot").select([...ITEM_COLUMNS, "_distance"]).limit(limit);
        return where === undefined ? query : query.where(where);
      },
      // LanceDB's "dot" distance is 1 - dot product (lancedb.test.ts checks this), computed in float32.
      (row: StoredRow & { _distance: number }) => 1 - row._distance,
    );
  }

  async search(text: string, opts: { k: number }): Promise<Scored[]> {
    checkK(opts.k);
    const match = new lancedb.MultiMatchQuery(text, TEXT_COLUMNS, { boosts: [1, TAG_WEIGHT] });
    return this.best(
      opts.k,
      (limit) => this.table.query().fullTextSearch(match).select([...ITEM_COLUMNS, "_score"]).limit(limit),
      (row: StoredRow & { _score: number }) => row._score,
    );
  }

  /**
   * The k best rows, best first, ties to the smaller id. LanceDB returns its rows best first but orders
   * ties arbitrarily, so a tie across the k-th place could drop the wrong row: fetch one more than k and
   * widen until the last row fetched scores strictly below the k-th (then every row tied with the k-th
   * is in hand), and sort by the index's own rule.
   */
  private async best<Row extends StoredRow>(k: number, fetch: (limit: number) => { toArray(): Promise<Row[]> }, score: (row: Row) => number): Promise<Scored[]> {
    if (k === 0) return [];
    for (let limit = k + 1; ; limit *= 2) {
      const rows = await fetch(limit).toArray();
      if (rows.length < limit || score(rows[limit - 1]) !== score(rows[k - 1])) {
        return rows
          .map((row) => ({ item: toItem(row), score: score(row) }))
          .sort(byScoreThenId)
          .slice(0, k);
      }
    }
  }
}

/**
 * A table made before items had attributes gains the column, null in every old row (read back as items without
 * attributes), so an old build opens and takes new items with attributes. Replicas opening it at once race to
 * add it; the loser finds it there.
 */
async function addAttributesColumn(db: lancedb.Connection, name: string): Promise<void> {
  if (!(await db.tableNames()).includes(name)) return;
  // A directory without a committed version (a killed first build) does not open; createEmptyTable handles it.
  const table = await db.openTable(name).catch(() => undefined);
  if (!table) return;
  try {
    for (let attempt = 1; ; attempt++) {
      if ((await table.schema()).fields.some((f) => f.name === ATTRIBUTES_COLUMN)) return;
      try {
        await table.addColumns(new arrow.Field(ATTRIBUTES_COLUMN, new arrow.Utf8(), true));
        return;
      } catch (cause) {
        if (attempt === 5 || !/commit conflict|preempted|incompatible transaction|already exists/i.test(String(cause))) throw cause;
        await table.checkoutLatest();
      }
    }
  } finally {
    table.close();
  }
}

/**
 * Creates the missing text indexes. Replicas opening one new table on object storage at once race to create
 * them, and LanceDB refuses the later commit ("preempted by concurrent transaction CreateIndex", seen on moto):
 * then look at the latest version again, where the winner's index usually is, and create only what is still missing.
 */
async function ensureTextIndexes(table: lancedb.Table): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const indexed = new Set((await table.listIndices()).filter((i) => i.indexType === "FTS").flatMap((i) => i.columns));
    try {
      for (const column of TEXT_COLUMNS) {
        if (!indexed.has(column)) await table.createIndex(column, { config: lancedb.Index.fts(FTS_OPTIONS), replace: false });
      }
      return;
    } catch (cause) {
      if (attempt === 5 || !/commit conflict|preempted|incompatible transaction|already exists/i.test(String(cause))) throw cause;
      await table.checkoutLatest();
    }
  }
}
