/**
 * Replicas on one S3 store (moto), put together from the pieces `serve --store` uses: the shared write log, the
 * LanceDB table at lanceDbLocation, and the services' own apply paths (applyCatalogChanges, FeedbackService). A
 * replica writes its own changes to the log and the shared table and its memory; it applies followed changes to
 * its memory only (the writer already put them in the table).
 */
import { describe, expect, it, vi } from "vitest";
import { FeedbackService } from "../agent/feedback.ts";
import { HistoryStore } from "../agent/history.ts";
import { ItemStore } from "../agent/item-store.ts";
import { applyCatalogChanges, type CatalogChange } from "../agent/onboarding.ts";
import { LanceDbIndex } from "../index/lancedb.node.ts";
import { MemoryIndex } from "../index/memory.ts";
import { MirroredIndex } from "../index/mirrored.ts";
import { motoForTests } from "./moto-server.node.ts";
import type { ObjectStore } from "./object-store.ts";
import { DEFAULT_FOLLOW_INTERVAL_MS, sharedWriteLog } from "./shared-write-log.ts";
import { lanceDbLocation, objectStoreFor } from "./store-location.node.ts";

const moto = await motoForTests();
const DIMENSION = 4;
const untrained = () => false;

async function startReplica(store: ObjectStore) {
  const log = sharedWriteLog(store);
  const { uri, storageOptions } = lanceDbLocation(store);
  const durable = await LanceDbIndex.open(uri, { table: "items", dimension: DIMENSION, storageOptions, readConsistencyInterval: 0 });
  const memory = new MemoryIndex(DIMENSION);
  const items = new ItemStore();
  const histories = new HistoryStore();
  const feedback = new FeedbackService(log.feedback, histories, items);
  const arrived = new Map<string, number>();
  const past = await log.readAll();
  await applyCatalogChanges(past.catalog, memory, items, untrained);
  for (const event of past.feedback) feedback.apply(event);
  const stop = log.follow(async (w) => {
    await applyCatalogChanges(w.catalog, memory, items, untrained);
    for (const event of w.feedback) feedback.apply(event);
    for (const change of w.catalog) arrived.set(change.op === "put" ? change.item.id : change.id, performance.now());
  });
  return {
    durable,
    memory,
    items,
    histories,
    feedback,
    arrived,
    stop,
    /** Onboards an item as the service does (durable in the log, then applied); returns when the log had it. */
    async onboard(id: string, vector: number[]): Promise<number> {
      const change: CatalogChange = { op: "put", item: { id, title: `Onboarded ${id}`, genres: ["Drama"], tags: [] }, vector };
      await log.catalog.append(change);
      const durableAt = performance.now();
      await applyCatalogChanges([change], new MirroredIndex(durable, memory), items, untrained);
      return durableAt;
    },
  };
}

describe.skipIf(!moto)("two replicas on one S3 store (moto)", () => {
  it("see each other's writes within the poll bound, and a replica started on an empty disk has everything", async () => {
    const store = objectStoreFor(`s3://${await moto!.createBucket()}/replicas`, moto!.env);
    const [a, b] = await Promise.all([startReplica(store), startReplica(store)]);
    const lags: number[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        const writer = i % 2 === 0 ? a : b;
        const reader = i % 2 === 0 ? b : a;
        const durableAt = await writer.onboard(`new-${i}`, [1, i, 0, 0]);
        await vi.waitFor(() => expect(reader.items.has(`new-${i}`)).toBe(true), { timeout: 15_000, interval: 10 });
        lags.push(reader.arrived.get(`new-${i}`)! - durableAt);
      }
      // Feedback on an item onboarded elsewhere counts on the other replica too.
      await a.feedback.record({ userId: "u1", itemId: "new-1", weight: 2, ts: 1_700_000_000 });
      await vi.waitFor(() => expect(b.histories.get("u1")).toEqual([{ itemId: "new-1", weight: 2 }]), { timeout: 15_000, interval: 10 });
      // Reads agree: the memory mirrors and the shared table (full-text search) hold the same onboarded items.
      const top = async (r: typeof a) => (await r.memory.query(Float32Array.from([0, 1, 0, 0]), { k: 3 })).map((s) => s.item.id);
      expect(await top(a)).toEqual(["new-4", "new-3", "new-2"]);
      expect(await top(b)).toEqual(await top(a));
      expect((await b.durable.search("Onboarded new-3", { k: 1 }))[0].item.id).toBe("new-3");
      // A replica with nothing local: everything comes from the store.
      const c = await startReplica(store);
      c.stop();
      expect(await c.memory.count()).toBe(5);
      expect(await c.durable.count()).toBe(5);
      expect(c.histories.get("u1")).toEqual([{ itemId: "new-1", weight: 2 }]);
    } finally {
      a.stop();
      b.stop();
    }
    console.log(`replica-to-replica lag on moto, log append to applied on the other (poll ${DEFAULT_FOLLOW_INTERVAL_MS} ms): ${lags.map((l) => Math.round(l)).join(", ")} ms`);
  });
});
