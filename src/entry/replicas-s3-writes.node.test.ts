/**
 * End to end on S3, writes between replicas: `recagent serve --store s3://...` replicas (startServer with
 * storeReplicaState, as serveCommand runs them) on one moto server the test starts, each with an empty local disk.
 * (store-replica-s3.node.test.ts covers publishing and swapping versions on S3.)
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { syntheticRows } from "../eval/tuning/synthetic.ts";
import { motoForTests } from "../store/moto-server.node.ts";
import { type RunningServer, serviceConfig, startServer } from "./node.ts";
import { storeReplicaState } from "./store-replica.node.ts";

const moto = await motoForTests();

const KEY = "replica-s3-test-key";
const auth = { "content-type": "application/json", authorization: `Bearer ${KEY}` };
type Json = Record<string, any>;

describe.skipIf(!moto)("replicas on an S3 store (moto): writes", () => {
  it("start together on an empty store, see each other's writes within the poll bound; a new replica on an empty disk has everything", { timeout: 240_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "recagent-replica-s3-"));
    const file = join(dir, "plays.tsv");
    const rows = syntheticRows({ users: 120, items: 150, eventsPerUser: 20, clusters: 5, drift: 0.2, values: "counts", seed: 5 });
    writeFileSync(file, rows.map((r) => `${r.user}\t${r.item}\t${r.value}\t${r.timestamp}`).join("\n"));
    const users = [...new Set(rows.map((r) => r.user))];
    const storeUrl = `s3://${await moto!.createBucket()}/recagent`;
    const env = { ...moto!.env, RECAGENT_API_KEY: KEY };

    // The default poll interval (--store-poll-ms 1000): what a deployment gets.
    const replica = async (): Promise<RunningServer> => {
      const argv = ["--port", "0", "--store", storeUrl, "--artifacts", mkdtempSync(join(dir, "local-")), "--interactions", file, "--model", "als", "--no-tune"];
      const config = serviceConfig(argv, env);
      return startServer(config, () => {}, { ...env, LOG_LEVEL: "silent" }, storeReplicaState(config, env, () => {}));
    };
    const get = (server: RunningServer, path: string) => fetch(`${server.url}${path}`, { headers: auth });
    const send = (server: RunningServer, method: string, path: string, body?: unknown) =>
      fetch(`${server.url}${path}`, { method, headers: auth, body: body === undefined ? undefined : JSON.stringify(body) });
    const recommend = async (server: RunningServer, user: string): Promise<string[]> =>
      ((await (await send(server, "POST", "/v1/recommendations", { user_id: user, k: 10 })).json()) as Json).items.map((i: Json) => i.id);
    /** Milliseconds from now until `check` holds (polled every 10 ms, at most 15 s). */
    const lagUntil = async (what: string, check: () => Promise<boolean>): Promise<number> => {
      const start = performance.now();
      while (!(await check())) {
        if (performance.now() - start > 15_000) throw new Error(`not visible within 15 s: ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return performance.now() - start;
    };

    const [a, b] = await Promise.all([replica(), replica()]);
    const servers = [a, b];
    try {
      const version = ((await (await get(a, "/healthz")).json()) as Json).version;
      expect(((await (await get(b, "/healthz")).json()) as Json).version).toBe(version);

      const lags: Record<string, number> = {};
      // An item onboarded on A is served by B.
      expect((await send(a, "POST", "/v1/items", { id: "on-a", title: "Written On A", genres: ["Drama"], year: 2024 })).status).toBe(201);
      lags.item = await lagUntil("A's item on B", async () => (await get(b, "/v1/items/on-a")).status === 200);
      // Feedback given on B changes A's answers: the item is seen, so A stops recommending it to that user.
      const user = users[7];
      const top = (await recommend(a, user))[0];
      expect((await send(b, "POST", "/v1/feedback", { user_id: user, item_id: top })).status).toBe(201);
      lags.feedback = await lagUntil("B's feedback on A", async () => !(await recommend(a, user)).includes(top));
      // A delete on B is a 404 on A.
      expect((await send(b, "DELETE", "/v1/items/on-a")).status).toBe(200);
      lags.delete = await lagUntil("B's delete on A", async () => (await get(a, "/v1/items/on-a")).status === 404);
      expect((await send(a, "POST", "/v1/items", { id: "kept", title: "Kept Item", genres: ["Comedy"] })).status).toBe(201);

      // A third replica, started now on an empty local disk, has all of it at once.
      const c = await replica();
      servers.push(c);
      expect(((await (await get(c, "/healthz")).json()) as Json).version).toBe(version);
      expect((await get(c, "/v1/items/kept")).status).toBe(200);
      expect((await get(c, "/v1/items/on-a")).status).toBe(404);
      expect(await recommend(c, user)).not.toContain(top);
      expect(await recommend(c, users[0])).toEqual(await recommend(a, users[0]));
      console.log(`serve --store on moto, write acknowledged on one replica -> visible on the other (ms): ${JSON.stringify(Object.fromEntries(Object.entries(lags).map(([k, v]) => [k, Math.round(v)])))}`);
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  });
});
