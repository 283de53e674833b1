/** Shared by the store replica tests (folder and S3): a small data set, replicas on a store, polling helpers. */
import * as lancedb from "@lancedb/lancedb";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { syntheticRows } from "../eval/tuning/synthetic.ts";
import { lanceDbLocation, objectStoreFor } from "../store/store-location.node.ts";
import { versionTable } from "./model-versions.node.ts";
import { type RunningServer, serviceConfig, startServer } from "./node.ts";
import { storeReplicaState } from "./store-replica.node.ts";

export const KEY = "replica-test-key";
export const auth = { "content-type": "application/json", authorization: `Bearer ${KEY}` };
export type Json = Record<string, any>;

export function fixture(store?: string) {
  const dir = mkdtempSync(join(tmpdir(), "recagent-replica-test-"));
  const file = join(dir, "plays.tsv");
  const rows = syntheticRows({ users: 120, items: 150, eventsPerUser: 20, clusters: 5, drift: 0.2, values: "counts", seed: 11 });
  writeFileSync(file, rows.map((r) => `${r.user}\t${r.item}\t${r.value}\t${r.timestamp}`).join("\n"));
  const users = [...new Set(rows.map((r) => r.user))];
  return { dir, file, users, store: store ?? join(dir, "store") };
}

export type Fixture = ReturnType<typeof fixture>;

/** A replica with a local disk of its own (an empty artifacts folder), polling the store every 100 ms. */
export async function replica(fx: Fixture, model = "als", env: Record<string, string> = {}): Promise<{ server: RunningServer; logs: string[]; local: string }> {
  const artifacts = mkdtempSync(join(fx.dir, "local-"));
  const config = serviceConfig(
    ["--port", "0", "--store", fx.store, "--artifacts", artifacts, "--store-poll-ms", "100", "--interactions", fx.file, "--model", model, "--no-tune"],
    { RECAGENT_API_KEY: KEY },
  );
  const logs: string[] = [];
  const server = await startServer(config, (l) => logs.push(l), { LOG_LEVEL: "silent" }, storeReplicaState(config, env, (l) => logs.push(l)));
  return { server, logs, local: artifacts };
}

/** The id of every row of a version's items table on the store, read with LanceDB directly (so an id twice shows twice). */
export async function tableIds(fx: Fixture, version: string, env: Record<string, string> = {}): Promise<string[]> {
  const { uri, storageOptions } = lanceDbLocation(objectStoreFor(fx.store, env));
  const table = await (await lancedb.connect(uri, { storageOptions })).openTable(versionTable(version));
  return (await table.query().select(["id"]).toArray()).map((row) => row.id as string);
}

export const health = async (server: RunningServer): Promise<Json> => (await (await fetch(`${server.url}/healthz`)).json()) as Json;
export const recommend = async (server: RunningServer, user: string, k = 10): Promise<string[]> => {
  const res = await fetch(`${server.url}/v1/recommendations`, { method: "POST", headers: auth, body: JSON.stringify({ user_id: user, k }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as Json).items.map((i: Json) => i.id);
};

export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

