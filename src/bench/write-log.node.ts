/**
 * `npm run bench:store`: the shared write log (src/store/shared-write-log.ts) between replicas on one store.
 * Prints one JSON line per measurement:
 * - visibility: a writer appends one feedback event every 137 ms (out of step with the poll); a second log instance
 *   follows it; the time from the append being acknowledged (durable) to the follower's callback, at two poll
 *   intervals, and the append's own latency;
 * - contention: two writers appending one event at a time, each awaiting its append (the worst case: they take
 *   turns at the head of the log), and two writers firing 200 appends at once (group commit).
 * The store is a moto server this script starts (python3 -m moto.server), or BENCH_STORE=s3://bucket/prefix with the
 * usual AWS variables, or BENCH_STORE=/some/folder.
 */
import { randomUUID } from "node:crypto";
import { startMotoServer } from "../store/moto-server.node.ts";
import type { ObjectStore } from "../store/object-store.ts";
import { sharedWriteLog } from "../store/shared-write-log.ts";
import { objectStoreFor } from "../store/store-location.node.ts";

const APPENDS = Number(process.env.BENCH_APPENDS ?? 40);

const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const round = (x: number) => Math.round(x * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const event = (tag: string) => ({ userId: "bench", itemId: tag, weight: 1, ts: Math.floor(Date.now() / 1000) });

async function visibility(store: ObjectStore, intervalMs: number) {
  const writer = sharedWriteLog(store, { prefix: `visibility-${intervalMs}/` });
  const follower = sharedWriteLog(store, { prefix: `visibility-${intervalMs}/` });
  await follower.readAll();
  const acknowledged = new Map<string, number>();
  const lags: number[] = [];
  const appendMs: number[] = [];
  const stop = follower.follow(
    (w) => {
      const now = performance.now();
      for (const e of w.feedback) lags.push(now - acknowledged.get(e.itemId)!);
    },
    { intervalMs },
  );
  for (let i = 0; i < APPENDS; i++) {
    const tag = `e${i}`;
    const start = performance.now();
    await writer.feedback.append(event(tag));
    acknowledged.set(tag, performance.now());
    appendMs.push(performance.now() - start);
    await sleep(137);
  }
  while (lags.length < APPENDS) await sleep(20);
  stop();
  return {
    measure: "visibility",
    poll_interval_ms: intervalMs,
    appends: APPENDS,
    lag_ms: { p50: round(quantile(lags, 0.5)), p95: round(quantile(lags, 0.95)), max: round(Math.max(...lags)) },
    append_ms: { p50: round(quantile(appendMs, 0.5)), p95: round(quantile(appendMs, 0.95)) },
  };
}

async function contention(store: ObjectStore, mode: "one at a time" | "all at once", perWriter: number) {
  const prefix = `contention-${randomUUID()}/`;
  let lost = 0;
  const counting: ObjectStore = Object.assign(Object.create(store), {
    putIfAbsent: async (key: string, body: string | Uint8Array) => (await store.putIfAbsent(key, body)) || (lost++, false),
  });
  const writers = [sharedWriteLog(counting, { prefix }), sharedWriteLog(counting, { prefix })];
  const start = performance.now();
  await Promise.all(
    writers.map(async (log, w) => {
      if (mode === "all at once") await Promise.all(Array.from({ length: perWriter }, (_, i) => log.feedback.append(event(`w${w}-${i}`))));
      else for (let i = 0; i < perWriter; i++) await log.feedback.append(event(`w${w}-${i}`));
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const replay = await sharedWriteLog(store, { prefix }).readAll();
  if (replay.feedback.length !== 2 * perWriter || new Set(replay.feedback.map((e) => e.itemId)).size !== 2 * perWriter) throw new Error("the log lost or duplicated appends");
  return {
    measure: "contention",
    mode,
    writers: 2,
    appends: 2 * perWriter,
    appends_per_s: round((2 * perWriter) / seconds),
    objects: (await store.list(prefix)).length,
    races_lost: lost,
  };
}

let stopServer = async () => {};
let store: ObjectStore;
if (process.env.BENCH_STORE) {
  store = objectStoreFor(process.env.BENCH_STORE, process.env);
} else {
  const moto = await startMotoServer();
  if ("skipped" in moto) throw new Error(`no moto server: ${moto.skipped}`);
  stopServer = moto.stop;
  store = objectStoreFor(`s3://${await moto.createBucket()}/bench`, moto.env);
}
try {
  console.error(`store: ${store.url}`);
  for (const intervalMs of [500, 100]) console.log(JSON.stringify(await visibility(store, intervalMs)));
  console.log(JSON.stringify(await contention(store, "one at a time", 50)));
  console.log(JSON.stringify(await contention(store, "all at once", 200)));
} finally {
  await stopServer();
}
