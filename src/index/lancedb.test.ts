import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as lancedb from "@lancedb/lancedb";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { mulberry32 } from "../numeric/random.ts";
import { arbitraryCatalog, arbitraryQuery, PROPERTY_DIMENSION } from "./index.arbitraries.ts";
import { describeVectorIndexContract } from "./index.contract.ts";
import { LanceDbIndex } from "./lancedb.node.ts";
import { ATTRIBUTES_COLUMN, arrow, itemSchema, itemsTable, structTable } from "./lancedb-rows.node.ts";
import { MemoryIndex } from "./memory.ts";
import type { IndexedItem, Scored } from "./types.ts";

const root = mkdtempSync(join(tmpdir(), "recagent-lancedb-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `db${dirs++}`);

describeVectorIndexContract("LanceDbIndex", (dimension) => LanceDbIndex.open(freshDir(), { table: "items", dimension }));

const pairs = (results: Scored[]) => results.map((r): [string, number] => [r.item.id, r.score]);
const row = (id: string, title: string, vector: number[]): IndexedItem => ({ id, title, genres: [], tags: [], vector: Float32Array.from(vector) });

function randomRows(n: number, dimension: number, seed: number): IndexedItem[] {
  const next = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => row(`r${i}`, `Row ${i}`, Array.from({ length: dimension }, () => next() * 2 - 1)));
}

describe("LanceDbIndex", () => {
  it("reads LanceDB's dot distance as 1 - dot product, so scores are dot products", async () => {
    const dir = freshDir();
    const rows = randomRows(50, 8, 7);
    const index = await LanceDbIndex.build(dir, rows, { table: "items", dimension: 8 });
    const q = Float32Array.from(randomRows(1, 8, 8)[0].vector);
    const dot = (v: Float32Array) => v.reduce((s, x, j) => s + x * q[j], 0);
    const table = await (await lancedb.connect(dir)).openTable("items");
    const raw = await table.vectorSearch(q).distanceType("dot").select(["id", "vector", "_distance"]).limit(50).toArray();
    for (const r of raw) expect(r._distance).toBeCloseTo(1 - dot(Float32Array.from(r.vector.toArray())), 5);
    const byId = new Map(rows.map((r) => [r.id, r]));
    const results = await index.query(q, { k: 50 });
    expect(results).toHaveLength(50);
    for (const r of results) expect(r.score).toBeCloseTo(dot(byId.get(r.item.id)!.vector), 5);
  });

  it("query equals MemoryIndex.query on random data and filters", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(arbitraryCatalog, arbitraryCatalog, fc.array(arbitraryQuery, { minLength: 1, maxLength: 6 }), async (catalog, patch, queries) => {
        const opts = { table: `t${run++}`, dimension: PROPERTY_DIMENSION };
        const lance = await LanceDbIndex.build(root, catalog, opts);
        const memory = new MemoryIndex(PROPERTY_DIMENSION);
        await memory.upsert(catalog);
        // Exercise the write paths too: an upsert that overlaps the catalog, and a delete.
        const doomed = catalog.filter((_, i) => i % 3 === 0).map((r) => r.id);
        for (const index of [lance, memory]) {
          await index.upsert(patch);
          await index.delete(doomed);
        }
        expect(await lance.count()).toBe(await memory.count());
        for (const q of queries) {
          const expected = pairs(await memory.query(q.vector, q));
          const got = pairs(await lance.query(q.vector, q));
          expect(got.map(([id]) => id)).toEqual(expected.map(([id]) => id));
          got.forEach(([, score], i) => expect(score).toBeCloseTo(expected[i][1], 6));
        }
      }),
      { numRuns: 40 },
    );
  });

  it("build replaces the table, keeps one version, and open reads it back", async () => {
    const dir = freshDir();
    const opts = { table: "items", dimension: 2 };
    await LanceDbIndex.build(dir, [row("old", "Old", [1, 0])], opts);
    await LanceDbIndex.build(dir, [row("a", "Toy Story", [1, 0]), row("b", "Heat", [0, 1])], opts);
    const reopened = await LanceDbIndex.open(dir, opts);
    expect(await reopened.count()).toBe(2);
    expect(await reopened.get("old")).toBeUndefined();
    expect((await reopened.search("heat", { k: 5 })).map((r) => r.item.id)).toEqual(["b"]);
    const table = await (await lancedb.connect(dir)).openTable("items");
    expect(await table.listVersions()).toHaveLength(1);
  });

  it("searches rows written after the text index was built, without re-indexing", async () => {
    const dir = freshDir();
    const index = await LanceDbIndex.build(dir, [row("a", "Toy Story", [1, 0])], { table: "items", dimension: 2 });
    await index.upsert([row("b", "Toy Story 2", [0, 1]), row("a", "Heat", [1, 0])]);
    expect((await index.search("toy", { k: 5 })).map((r) => r.item.id)).toEqual(["b"]);
    expect((await index.search("heat", { k: 5 })).map((r) => r.item.id)).toEqual(["a"]);
  });

  it("open adds the text indexes a killed build did not get to", async () => {
    const dir = freshDir();
    const db = await lancedb.connect(dir);
    await db.createTable("items", itemsTable([row("a", "Toy Story", [1, 0])], 2), { schema: itemSchema(2) });
    const index = await LanceDbIndex.open(dir, { table: "items", dimension: 2 });
    expect((await index.search("toy", { k: 5 })).map((r) => r.item.id)).toEqual(["a"]);
    const fts = (await (await db.openTable("items")).listIndices()).filter((i) => i.indexType === "FTS");
    expect(fts.flatMap((i) => i.columns).sort()).toEqual(["tags", "title"]);
  });

  it("open treats a first build killed before its commit as an empty table", async () => {
    const dir = freshDir();
    // What a kill mid-write leaves: the table directory with a partial data file and no version.
    mkdirSync(join(dir, "items.lance", "data"), { recursive: true });
    writeFileSync(join(dir, "items.lance", "data", ".tmpPartial"), "partial");
    const index = await LanceDbIndex.open(dir, { table: "items", dimension: 2 });
    expect(await index.count()).toBe(0);
    await index.upsert([row("a", "Toy Story", [1, 0])]);
    expect(await (await LanceDbIndex.open(dir, { table: "items", dimension: 2 })).count()).toBe(1);
  });

  it("opens a table made before items had attributes, adding the column, and stores attributes from then on", async () => {
    const dir = freshDir();
    const db = await lancedb.connect(dir);
    const current = itemSchema(2);
    const before = new arrow.Schema(current.fields.filter((f) => f.name !== ATTRIBUTES_COLUMN));
    const columns = itemsTable([row("a", "Toy Story", [1, 0])], 2).batches[0].data.children.filter((_, k) => current.fields[k].name !== ATTRIBUTES_COLUMN);
    await db.createTable("items", structTable(before, 1, columns), { schema: before });
    const index = await LanceDbIndex.open(dir, { table: "items", dimension: 2 });
    expect(await index.get("a")).toEqual({ id: "a", title: "Toy Story", genres: [], tags: [], vector: Float32Array.from([1, 0]) });
    const attributes = { director: "Pete Docter", runtime: 96, animated: true, cast: ["A", "B"] };
    await index.upsert([{ ...row("b", "Up", [0, 1]), attributes }]);
    const reopened = await LanceDbIndex.open(dir, { table: "items", dimension: 2 });
    expect((await reopened.get("b"))?.attributes).toEqual(attributes);
    expect((await reopened.query(Float32Array.from([0, 1]), { k: 1 }))[0].item.attributes).toEqual(attributes);
    expect((await reopened.get("a"))?.attributes).toBeUndefined();
  });

  it("refuses to open a table of another dimension", async () => {
    const dir = freshDir();
    await LanceDbIndex.build(dir, [row("a", "A", [1, 0])], { table: "items", dimension: 2 });
    await expect(LanceDbIndex.open(dir, { table: "items", dimension: 3 })).rejects.toMatchObject({ code: "index_schema" });
  });
});
