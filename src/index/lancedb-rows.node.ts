/**
 * The LanceDB items table's Arrow schema and the conversions between IndexedItem and its rows.
 */
import { createRequire } from "node:module";
import type { Data, Float32 as Float32Type, Schema, Table } from "apache-arrow";
import type { Item, ItemAttributes } from "../core/types.ts";
import type { IndexedItem } from "./types.ts";

/**
 * apache-arrow ships a CommonJS and an ES build; @lancedb/lancedb require()s the CommonJS one and checks
 * `instanceof` against its classes, so a Table built from an ES `import` is treated as foreign and
 * rejected. Everything that hands Arrow data to LanceDB takes its classes from here.
 */
export const arrow = createRequire(import.meta.url)("apache-arrow") as typeof import("apache-arrow");

/** The column holding an item's attributes (JSON text); tables made before it have none until opened once. */
export const ATTRIBUTES_COLUMN = "attributes";

/** The columns a query returns: everything but the vector. */
export const ITEM_COLUMNS = ["id", "title", "year", "genres", "tags", "text", "attributes"];

/**
 * The id column is marked as lance's unenforced primary key: lance then checks the ids a merge-insert adds against
 * concurrent commits, so replicas upserting one new id at once leave one row, not two (lance#4585; tested on moto
 * in src/store/lancedb-on-store.node.test.ts). A table created before the mark has `primaryKey: false`'s schema
 * (LanceDbIndex.open accepts both).
 */
export function itemSchema(dimension: number, { primaryKey = true } = {}): Schema {
  const text = () => new arrow.Utf8();
  const list = () => new arrow.List(new arrow.Field("item", text(), true));
  return new arrow.Schema([
    new arrow.Field("id", text(), false, primaryKey ? new Map([["lance-schema:unenforced-primary-key", "true"]]) : undefined),
    new arrow.Field("title", text(), false),
    new arrow.Field("year", new arrow.Int32(), true),
    new arrow.Field("genres", list(), false),
    new arrow.Field("tags", list(), false),
    new arrow.Field("text", text(), true),
    new arrow.Field("vector", vectorType(dimension), false),
    // The item's attributes as a JSON object: their names are open, so one text column rather than one column each.
    // The last column, so a table made before it gains it as a plain appended column (LanceDbIndex.open).
    new arrow.Field(ATTRIBUTES_COLUMN, text(), true),
  ]);
}

/** One record batch of `rows` in `itemSchema(dimension)`; the vectors are copied once into one buffer. */
export function itemsTable(rows: readonly IndexedItem[], dimension: number): Table {
  const flat = new Float32Array(rows.length * dimension);
  rows.forEach((row, i) => flat.set(row.vector, i * dimension));
  const schema = itemSchema(dimension);
  const column = (name: string, values: unknown[]) => arrow.vectorFromArray(values, schema.fields.find((f) => f.name === name)!.type).data[0];
  return structTable(schema, rows.length, [
    column("id", rows.map((r) => r.id)),
    column("title", rows.map((r) => r.title)),
    column("year", rows.map((r) => r.year ?? null)),
    column("genres", rows.map((r) => r.genres)),
    column("tags", rows.map((r) => r.tags)),
    column("text", rows.map((r) => r.text ?? null)),
    vectorColumn(flat, dimension),
    column(ATTRIBUTES_COLUMN, rows.map((r) => (r.attributes ? JSON.stringify(r.attributes) : null))),
  ]);
}

/** A table of one batch from column data that matches `schema` field by field. */
export function structTable(schema: Schema, length: number, columns: Data[]): Table {
  const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length, nullCount: 0, children: columns });
  return new arrow.Table([new arrow.RecordBatch(schema, struct)]);
}

/** A fixed_size_list<float32>[dimension] column over `flat` (row-major), without copying it. */
export function vectorColumn(flat: Float32Array, dimension: number): Data {
  const child = arrow.makeData({ type: new arrow.Float32(), length: flat.length, data: flat });
  return arrow.makeData({ type: vectorType(dimension), length: flat.length / dimension, nullCount: 0, child });
}

export function vectorType(dimension: number) {
  return new arrow.FixedSizeList<Float32Type>(dimension, new arrow.Field("item", new arrow.Float32(), true));
}

/** A row as LanceDB's toArray() gives it: list cells are Arrow vectors, missing values are null. */
export interface StoredRow {
  id: string;
  title: string;
  year: number | null;
  genres: { toArray(): string[] };
  tags: { toArray(): string[] };
  text: string | null;
  attributes: string | null;
}

export function toItem(row: StoredRow): Item {
  const item: Item = { id: row.id, title: row.title, genres: [...row.genres.toArray()], tags: [...row.tags.toArray()] };
  if (row.year !== null) item.year = row.year;
  if (row.text !== null) item.text = row.text;
  if (row.attributes) item.attributes = JSON.parse(row.attributes) as ItemAttributes;
  return item;
}

export function toIndexedItem(row: StoredRow & { vector: { toArray(): Float32Array } }): IndexedItem {
  return { ...toItem(row), vector: Float32Array.from(row.vector.toArray()) };
}
