// Writes on Workers, inside workerd: each app below is what one isolate builds; they share Durable Objects
// in the WRITE_LOG namespace configured in vitest.config.ts (SQLite-backed, as in wrangler.toml).
import { abortAllDurableObjects } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { describeApiContract, WRITE_KEY } from "../http/api.contract.ts";
import { fixtureApp } from "../http/api.fixture.ts";
import { MemoryIndex } from "../index/memory.ts";
import { exportedFiles, loadExport, workerApp, writableWorkerFixture, writeLogNamed } from "./worker-fixture.ts";
import { MAX_PAGE, type WriteLogRpc } from "./worker-write-log.ts";
import type { WorkerSettings } from "./worker.ts";

describeApiContract("workerd Worker app, writes through the Durable Object (als)", () => writableWorkerFixture("als"), { writable: true });
describeApiContract("workerd Worker app, writes through the Durable Object (ease, dense scorer)", () => writableWorkerFixture("ease"), {
  writable: true,
  served: { model: "ease", scorer: "dense" },
});

type Json = Record<string, any>;
type App = Awaited<ReturnType<typeof workerApp>>;

async function call(app: App, method: string, path: string, body?: unknown, key: string | undefined = WRITE_KEY) {
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  const init: RequestInit = { method, headers };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    headers["content-type"] = "application/json";
  }
  const res = await app.request(path, init);
  return { status: res.status, json: (await res.json()) as Json, headers: res.headers };
}
const recommend = (app: App, body: Json) => call(app, "POST", "/v1/recommendations", body);
const ids = (json: Json) => json.items.map((i: Json) => i.id);
const action = { title: "Terminator Returns", description: "Robots from the future", genres: ["Action", "Sci-Fi"], year: 1993 };

describe("Worker writes through the Durable Object write log", () => {
  let files: Record<string, string | Uint8Array>;
  /** A new isolate's app: its own copy of the artifact, over the named log. */
  const isolate = async (log: WriteLogRpc | undefined, settings?: WorkerSettings) => workerApp(await loadExport(files), log && (() => log), settings);
  /** The answers that depend on every kind of write, to compare two isolates' states. */
  const state = async (app: App, users: string[], items: string[]) => ({
    recommendations: await Promise.all(users.map(async (u) => (await recommend(app, { user_id: u, k: 12 })).json.items)),
    items: await Promise.all(items.map(async (id) => (await call(app, "GET", `/v1/items/${id}`)).json)),
    similar: await Promise.all(items.map(async (id) => (await call(app, "GET", `/v1/items/${id}/similar?k=4`)).json)),
  });

  beforeAll(async () => {
    files = exportedFiles((await fixtureApp({ writable: false, makeIndex: async (d) => new MemoryIndex(d) })).build);
  });

  it("answers writes 401 when RECAGENT_API_KEY is not set, saying how to set it", async () => {
    const app = await isolate(writeLogNamed(crypto.randomUUID()), {});
    const unset = await call(app, "POST", "/v1/feedback", { user_id: "a1", item_id: "4" });
    expect(unset.status).toBe(401);
    expect(unset.json.message).toMatch(/set RECAGENT_API_KEY/);
    expect((await call(app, "POST", "/v1/items", action, "anything")).status).toBe(401);
    expect((await recommend(app, { user_id: "a1", k: 1 })).status).toBe(200);
  });

  it("is read-only without the write log binding: writes answer 501 and say so", async () => {
    const app = await isolate(undefined);
    const item = await call(app, "POST", "/v1/items", action);
    expect(item.status).toBe(501);
    expect(item.json.message).toMatch(/read-only/);
    expect((await call(app, "DELETE", "/v1/items/4")).status).toBe(501);
    expect((await call(app, "POST", "/v1/feedback", { user_id: "a1", item_id: "4" })).status).toBe(501);
  });

  it("shows every write to another isolate over the same log on its next request", async () => {
    const log = crypto.randomUUID();
    const [a, b] = [await isolate(writeLogNamed(log)), await isolate(writeLogNamed(log))];
    expect((await call(a, "POST", "/v1/items", { id: "new-1", ...action })).status).toBe(201);
    expect((await call(a, "POST", "/v1/feedback", { user_id: "a1", item_id: "4" })).status).toBe(201);
    // b was built before these writes; its next requests see them.
    expect((await call(b, "GET", "/v1/items/new-1")).json.title).toBe("Terminator Returns");
    expect(ids((await recommend(b, { user_id: "a1", k: 12 })).json)).not.toContain("4");
    expect(ids((await recommend(b, { user_id: "a1", k: 3, filters: { year_min: 1993, year_max: 1993 } })).json)).toEqual(["new-1", "10"]);
    expect((await call(b, "GET", "/v1/items?q=returns")).json.items[0].id).toBe("new-1");
    expect((await call(b, "PUT", "/v1/items/new-1", { title: "Terminator Returns (Director's Cut)", genres: ["Action"] })).status).toBe(200);
    expect((await call(a, "GET", "/v1/items/new-1")).json.genres).toEqual(["Action"]);
    expect((await call(b, "DELETE", "/v1/items/new-1")).status).toBe(200);
    expect((await call(a, "GET", "/v1/items/new-1")).status).toBe(404);
    expect(ids((await recommend(a, { user_id: "a1", k: 12 })).json)).not.toContain("new-1");
    expect((await call(a, "POST", "/v1/feedback", { user_id: "a1", item_id: "new-1" })).status).toBe(404);
  });

  it("keeps the log in the object's SQLite storage: a new isolate replays it after the objects restart", async () => {
    const log = crypto.randomUUID();
    const a = await isolate(writeLogNamed(log));
    expect((await call(a, "POST", "/v1/items", { id: "kept", ...action })).status).toBe(201);
    expect((await call(a, "POST", "/v1/items", { id: "gone", title: "Paris Hearts", genres: ["Romance"], year: 2001 })).status).toBe(201);
    expect((await call(a, "DELETE", "/v1/items/gone")).status).toBe(200);
    expect((await call(a, "POST", "/v1/feedback", { user_id: "newcomer", item_id: "9" })).status).toBe(201);
    expect((await call(a, "POST", "/v1/feedback", { user_id: "newcomer", item_id: "kept", weight: 2 })).status).toBe(201);
    const before = await state(a, ["newcomer", "a1", "r1"], ["kept"]);

    await abortAllDurableObjects(); // drops the objects' memory, keeps their storage
    const c = await isolate(writeLogNamed(log));
    expect((await call(c, "GET", "/v1/items/gone")).status).toBe(404);
    expect((await recommend(c, { user_id: "newcomer", k: 3 })).json.strategy).toBe("personalized");
    // The same vectors (float32 in SQLite), metadata, histories and deletes: the same answers.
    expect(await state(c, ["newcomer", "a1", "r1"], ["kept"])).toEqual(before);
  });

  it("ends every isolate in the state a replay of the log gives when isolates write at once", async () => {
    const log = crypto.randomUUID();
    const [a, b] = [await isolate(writeLogNamed(log)), await isolate(writeLogNamed(log))];
    const writes = Array.from({ length: 24 }, (_, i) => {
      const app = i % 2 ? a : b;
      if (i % 3 === 0) return call(app, "POST", "/v1/items", { id: `w${i}`, title: `Film ${i}`, genres: i % 2 ? ["Action"] : ["Romance"], year: 1990 + i });
      return call(app, "POST", "/v1/feedback", { user_id: `u${i % 4}`, item_id: String((i % 12) + 1), weight: 1 + (i % 3) });
    });
    expect((await Promise.all(writes)).map((r) => r.status).every((s) => s === 201)).toBe(true);
    expect((await Promise.all(["w0", "w9", "w18"].map((id) => call(a, "DELETE", `/v1/items/${id}`)))).map((r) => r.status)).toEqual([200, 200, 200]);
    const replay = await isolate(writeLogNamed(log));
    const users = ["u0", "u1", "u2", "u3", "a1", "r2"];
    const items = ["w3", "w6", "w12", "w15", "w21"];
    const expected = await state(replay, users, items);
    expect(expected.items.every((i: Json) => typeof i.title === "string")).toBe(true);
    expect(await state(a, users, items)).toEqual(expected);
    expect(await state(b, users, items)).toEqual(expected);
  });

  it("applies another isolate's write committed between its catch-up and its own commit before its own", async () => {
    const log = crypto.randomUUID();
    const b = await isolate(writeLogNamed(log));
    let interleave: (() => Promise<unknown>) | undefined;
    const a = await isolate({
      async append(write) {
        const other = interleave;
        interleave = undefined;
        await other?.();
        return writeLogNamed(log).append(write);
      },
      since: (after, limit) => writeLogNamed(log).since(after, limit),
    });
    expect((await call(a, "POST", "/v1/items", { id: "x", ...action })).status).toBe(201);
    expect((await call(b, "GET", "/v1/items/x")).status).toBe(200);
    // a has caught up (x exists) and validated its edit when b's writes commit just ahead of it: log order is
    // delete x, onboard y, then a's put, so x exists again with the edit, and y exists, in a as in a replay.
    interleave = async () => {
      expect((await call(b, "DELETE", "/v1/items/x")).status).toBe(200);
      expect((await call(b, "POST", "/v1/items", { id: "y", title: "Why", genres: ["Romance"] })).status).toBe(201);
    };
    expect((await call(a, "PUT", "/v1/items/x", { title: "X Again", genres: ["Action"] })).status).toBe(200);
    for (const app of [a, b, await isolate(writeLogNamed(log))]) {
      expect((await call(app, "GET", "/v1/items/x")).json.title).toBe("X Again");
      expect((await call(app, "GET", "/v1/items/y")).status).toBe(200);
    }
  });

  it("answers 503 when the log cannot take a write, and serves reads from the isolate's copy, labelled", async () => {
    const log = writeLogNamed(crypto.randomUUID());
    let down = false;
    const unreachable = () => Promise.reject(new Error("Durable Object reset"));
    const app = await isolate({
      append: (write) => (down ? unreachable() : log.append(write)),
      since: (after, limit) => (down ? unreachable() : log.since(after, limit)),
    });
    down = true;
    const write = await call(app, "POST", "/v1/feedback", { user_id: "a1", item_id: "4" });
    expect(write.status).toBe(503);
    expect(write.json.message).toMatch(/write log .* did not answer; the write was not recorded, retry it/);
    const read = await recommend(app, { user_id: "a1", k: 1 });
    expect(read.status).toBe(200);
    expect(read.headers.get("x-recagent-writes")).toBe("stale");
    expect(ids(read.json)).toEqual(["4"]);
    down = false;
    expect((await call(app, "POST", "/v1/feedback", { user_id: "a1", item_id: "4" })).status).toBe(201);
    const after = await recommend(app, { user_id: "a1", k: 1 });
    expect(after.headers.get("x-recagent-writes")).toBeNull();
    expect(ids(after.json)).not.toContain("4");
  });

  it("rejects bad writes with a 4xx and a message, and logs none of them", async () => {
    const log = writeLogNamed(crypto.randomUUID());
    const app = await isolate(log);
    const cases: Array<[string, string, unknown, number, RegExp]> = [
      ["POST", "/v1/items", {}, 400, /title/],
      ["POST", "/v1/items", { title: 5 }, 400, /title/],
      ["POST", "/v1/items", "{not json", 400, /malformed|json/i],
      ["POST", "/v1/items", { id: "4", title: "Again" }, 409, /already exists/],
      ["PUT", "/v1/items/none", { title: "x" }, 404, /does not exist/],
      ["DELETE", "/v1/items/none", undefined, 404, /does not exist/],
      ["POST", "/v1/feedback", { user_id: "a1" }, 400, /item_id/],
      ["POST", "/v1/feedback", { user_id: "a1", item_id: "4", weight: "heavy" }, 400, /weight/],
      ["POST", "/v1/feedback", { user_id: "a1", item_id: "nope" }, 404, /item "nope" does not exist/],
    ];
    for (const [method, path, body, status, message] of cases) {
      const res = await call(app, method, path, body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(status);
      expect(res.json.message).toMatch(message);
    }
    expect(await log.since(0, MAX_PAGE)).toEqual({ head: 0, entries: [] });
  });

  it("replays a log longer than one page", async () => {
    const name = crypto.randomUUID();
    const log = writeLogNamed(name);
    const n = MAX_PAGE + 50;
    await Promise.all(Array.from({ length: n }, (_, i) => log.append({ kind: "feedback", event: { userId: `p${i}`, itemId: "9", weight: 1, ts: 0 } })));
    expect((await log.since(0, 10 * MAX_PAGE)).entries).toHaveLength(MAX_PAGE);
    const app = await isolate(writeLogNamed(name));
    for (const user of ["p0", `p${MAX_PAGE}`, `p${n - 1}`]) expect((await recommend(app, { user_id: user, k: 2 })).json.strategy).toBe("personalized");
  });
});
