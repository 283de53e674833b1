import * as lancedb from "@lancedb/lancedb";
import { describe, expect, it } from "vitest";
import { describeVectorIndexContract } from "../index/index.contract.ts";
import { LanceDbIndex } from "../index/lancedb.node.ts";
import { arrow } from "../index/lancedb-rows.node.ts";
import type { IndexedItem } from "../index/types.ts";
import { motoForTests } from "./moto-server.node.ts";
import { lanceDbLocation, objectStoreFor } from "./store-location.node.ts";

const moto = await motoForTests();
const DIMENSION = 4;

const row = (id: string, i: number): IndexedItem => ({ id, title: `Title ${id}`, genres: ["Drama"], tags: [], vector: Float32Array.from([i, 1, 0, -1]) });

describe.skipIf(!moto)("LanceDbIndex on S3 (moto)", () => {
  const freshStore = async () => objectStoreFor(`s3://${await moto!.createBucket()}/replicas`, moto!.env);
  const openOn = async (store: ReturnType<typeof objectStoreFor>) => {
    const { uri, storageOptions } = lanceDbLocation(store);
    return LanceDbIndex.open(uri, { table: "items", dimension: DIMENSION, storageOptions, readConsistencyInterval: 0 });
  };

  describeVectorIndexContract("LanceDbIndex at s3:// (moto)", async (dimension) => {
    const { uri, storageOptions } = lanceDbLocation(await freshStore());
    return LanceDbIndex.open(uri, { table: "items", dimension, storageOptions });
  });

  it("keeps the table in the bucket, under <store>/lancedb, readable from another connection", async () => {
    const store = await freshStore();
    await (await openOn(store)).upsert([row("a", 1), row("b", 2)]);
    expect((await store.list("lancedb/items.lance/_versions/")).length).toBeGreaterThan(0);
    const other = await openOn(store);
    expect(await other.count()).toBe(2);
    expect((await other.search("Title b", { k: 1 }))[0].item.id).toBe("b");
  });

  it("keeps every commit of two writers committing at once (conditional PUTs of the version manifest)", async () => {
    const store = await freshStore();
    const [a, b] = await Promise.all([openOn(store), openOn(store)]);
    const rounds = 6;
    for (let r = 0; r < rounds; r++) {
      await Promise.all([a.upsert([row(`a${r}`, r), row(`a${r}x`, r)]), b.upsert([row(`b${r}`, r)]), r > 0 ? b.delete([`a${r - 1}x`]) : undefined]);
    }
    const fresh = await openOn(store);
    const expected = Array.from({ length: rounds }, (_, r) => [`a${r}`, `b${r}`]).flat().concat(`a${rounds - 1}x`).sort();
    const rows = await fresh.query(Float32Array.from([0, 1, 0, 0]), { k: 100 });
    expect(rows.map((s) => s.item.id).sort()).toEqual(expected);
    expect(await fresh.count()).toBe(expected.length);
  });

  // LanceDB 0.31 (lance 8.0.0) sees no conflict between two merge-inserts that both add the same new id: each adds a
  // fragment and touches none of the other's, so the table gets the id twice (lance#4585, lancedb#2463; seen here on
  // moto with the items table before its id column was marked). It checks inserted keys only for a column marked as
  // the unenforced primary key (an existing table cannot gain the mark): this pins down the remedy, and the next test
  // that the items schema carries it.
  it("keeps one row per id across concurrent merge-inserts when id is marked lance-schema:unenforced-primary-key", async () => {
    const { uri, storageOptions } = lanceDbLocation(await freshStore());
    const schema = new arrow.Schema([
      new arrow.Field("id", new arrow.Utf8(), false, new Map([["lance-schema:unenforced-primary-key", "true"]])),
      new arrow.Field("writer", new arrow.Int32(), false),
    ]);
    await (await lancedb.connect(uri, { storageOptions })).createEmptyTable("keyed", schema, { mode: "create" });
    const writers = await Promise.all([0, 1, 2].map(async () => (await lancedb.connect(uri, { storageOptions, readConsistencyInterval: 0 })).openTable("keyed")));
    await Promise.all(writers.map((t, w) => t.mergeInsert("id").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute([{ id: "same", writer: w }, { id: `own-${w}`, writer: w }])));
    const ids = (await writers[0].query().select(["id"]).toArray()).map((r) => r.id as string);
    expect(ids.sort()).toEqual(["own-0", "own-1", "own-2", "same"]);
  });

  // What replicas bringing one version's table up to date at once do. (On moto here this kept one row per id even
  // with the mark removed, so the raw-table test above, not this one, is what shows the mark at work.)
  it("keeps one row per id when replicas upsert the same new items into one items table at once", async () => {
    const store = await freshStore();
    await openOn(store);
    const replicas = await Promise.all([0, 1, 2].map(() => openOn(store)));
    const rounds = 4;
    for (let r = 0; r < rounds; r++) await Promise.all(replicas.map((index, w) => index.upsert([row(`same-${r}`, w), row(`own-${w}-${r}`, w)])));
    const { uri, storageOptions } = lanceDbLocation(store);
    const table = await (await lancedb.connect(uri, { storageOptions })).openTable("items");
    const ids = (await table.query().select(["id"]).toArray()).map((r) => r.id as string);
    const expected = Array.from({ length: rounds }, (_, r) => [`same-${r}`, ...[0, 1, 2].map((w) => `own-${w}-${r}`)]).flat();
    expect(ids.sort()).toEqual(expected.sort());
  });
});
