import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import type { FeedbackEvent } from "../agent/feedback.ts";
import type { CatalogChange } from "../agent/onboarding.ts";
import { motoForTests } from "./moto-server.node.ts";
import type { ObjectStore } from "./object-store.ts";
import { FolderObjectStore } from "./object-store-folder.node.ts";
import { type WrittenEntries, sharedWriteLog } from "./shared-write-log.ts";
import { objectStoreFor } from "./store-location.node.ts";

const moto = await motoForTests();

const event = (writer: string, i: number): FeedbackEvent => ({ userId: `u-${writer}`, itemId: `${writer}-${i}`, weight: 1, ts: 1_700_000_000 + i });
const put = (writer: string, i: number): CatalogChange => ({ op: "put", item: { id: `${writer}-item-${i}`, title: `T ${i}`, genres: [], tags: [] }, vector: [i, 0.5] });

/** Appends n feedback events and n/4 catalog changes, all at once, as concurrent requests would. */
function appendMany(log: ReturnType<typeof sharedWriteLog>, writer: string, n: number): Promise<void[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => (i % 4 === 3 ? log.catalog.append(put(writer, i)) : log.feedback.append(event(writer, i)))));
}

const ids = (w: WrittenEntries) => [...w.feedback.map((e) => e.itemId), ...w.catalog.map((c) => (c.op === "put" ? c.item.id : c.id))];

function collector() {
  const seen: WrittenEntries = { feedback: [], catalog: [] };
  return {
    seen,
    apply: (w: WrittenEntries) => {
      seen.feedback.push(...w.feedback);
      seen.catalog.push(...w.catalog);
    },
  };
}

function describeSharedWriteLog(name: string, fresh: () => Promise<ObjectStore>) {
  describe(`SharedWriteLog on ${name}`, () => {
    it("replays everything in order from a fresh instance, and batches appends made during a PUT", async () => {
      const store = await fresh();
      const log = sharedWriteLog(store);
      await log.feedback.append(event("a", 0));
      await appendMany(log, "b", 40);
      const replay = await sharedWriteLog(store).readAll();
      expect(replay.feedback.map((e) => e.itemId)).toEqual(["a-0", ...Array.from({ length: 40 }, (_, i) => `b-${i}`).filter((_, i) => i % 4 !== 3)]);
      expect(replay.catalog.map((c) => (c.op === "put" ? c.item.id : c.id))).toEqual(Array.from({ length: 10 }, (_, i) => `b-item-${4 * i + 3}`));
      expect(replay.catalog[0]).toEqual(put("b", 3));
      // The first append of the 40 goes out alone; the other 39 queue behind its PUT and go as one object.
      expect(await store.list("write-log/")).toEqual(["000000000000", "000000000001", "000000000002"].map((n) => `write-log/${n}.json`));
    });

    it("loses nothing and applies nothing twice with two writers appending at once and a third following", async () => {
      const store = await fresh();
      // Counts the numbers a writer lost to the other, so the test shows the race path was taken.
      let lost = 0;
      const racing: ObjectStore = Object.assign(Object.create(store), {
        putIfAbsent: async (key: string, body: string | Uint8Array) => (await store.putIfAbsent(key, body)) || (lost++, false),
      });
      const [a, b, watcher] = [sharedWriteLog(racing), sharedWriteLog(racing), sharedWriteLog(store)];
      const [seenByA, seenByB, seenByWatcher] = [collector(), collector(), collector()];
      const stops = [a.follow(seenByA.apply, { intervalMs: 20 }), b.follow(seenByB.apply, { intervalMs: 20 }), watcher.follow(seenByWatcher.apply, { intervalMs: 20 })];
      // Rounds of concurrent appends from both, so the two race for the same numbers again and again.
      for (let round = 0; round < 4; round++) await Promise.all([appendMany(a, `a${round}`, 12), appendMany(b, `b${round}`, 12)]);
      const written = (prefix: string) => Array.from({ length: 4 }, (_, r) => Array.from({ length: 12 }, (_, i) => (i % 4 === 3 ? `${prefix}${r}-item-${i}` : `${prefix}${r}-${i}`))).flat();
      const all = [...written("a"), ...written("b")].sort();
      await vi.waitFor(() => expect(ids(seenByWatcher.seen).sort()).toEqual(all), { timeout: 20_000, interval: 50 });
      // Each writer hears the other's entries and not its own (those it applied when it made them).
      await vi.waitFor(() => expect(ids(seenByA.seen).sort()).toEqual(written("b").sort()), { timeout: 20_000, interval: 50 });
      await vi.waitFor(() => expect(ids(seenByB.seen).sort()).toEqual(written("a").sort()), { timeout: 20_000, interval: 50 });
      for (const stop of stops) stop();
      expect(lost).toBeGreaterThan(0);
      // The log itself: dense numbers from 0, and a replay equal to what the watcher was handed, in the same order.
      const keys = await store.list("write-log/");
      expect(keys).toEqual(keys.map((_, i) => `write-log/${String(i).padStart(12, "0")}.json`));
      expect(await sharedWriteLog(store).readAll()).toEqual(seenByWatcher.seen);
    });

    it("follows from where readAll stopped, and stops delivering when told", async () => {
      const store = await fresh();
      const writer = sharedWriteLog(store);
      await writer.feedback.append(event("before", 0));
      const reader = sharedWriteLog(store);
      expect(ids(await reader.readAll())).toEqual(["before-0"]);
      const seen = collector();
      const stop = reader.follow(seen.apply, { intervalMs: 20 });
      await writer.feedback.append(event("after", 1));
      await vi.waitFor(() => expect(ids(seen.seen)).toEqual(["after-1"]), { timeout: 10_000, interval: 20 });
      stop();
      await writer.feedback.append(event("stopped", 2));
      await new Promise((r) => setTimeout(r, 200));
      expect(ids(seen.seen)).toEqual(["after-1"]);
    });

    it("reports a batch its apply threw on and goes on with the next, without applying it again", async () => {
      const store = await fresh();
      const writer = sharedWriteLog(store);
      const warnings: string[] = [];
      const seen: string[] = [];
      const stop = sharedWriteLog(store, { warn: (m) => warnings.push(m) }).follow(
        (w) => {
          seen.push(...ids(w));
          if (ids(w).includes("bad-0")) throw new Error("cannot apply");
        },
        { intervalMs: 20 },
      );
      await writer.feedback.append(event("bad", 0));
      await vi.waitFor(() => expect(seen).toEqual(["bad-0"]), { timeout: 10_000, interval: 20 });
      await writer.feedback.append(event("good", 1));
      await vi.waitFor(() => expect(seen).toEqual(["bad-0", "good-1"]), { timeout: 10_000, interval: 20 });
      stop();
      expect(warnings).toEqual([expect.stringMatching(/applying a batch from writer .* failed: Error: cannot apply/)]);
    });
  });
}

describeSharedWriteLog("a folder", async () => new FolderObjectStore(mkdtempSync(join(tmpdir(), "recagent-log-"))));
describe.skipIf(!moto)("against moto", () => {
  describeSharedWriteLog("S3 (moto)", async () => objectStoreFor(`s3://${await moto!.createBucket()}/replicas`, moto!.env));
});
