import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/run-cli.fixture.ts";
import type { CatalogChange } from "../agent/onboarding.ts";
import { ContentMap } from "../models/content-map.ts";
import { FolderObjectStore } from "../store/object-store-folder.node.ts";
import { CURRENT_KEY, readCurrent, versionTable } from "./model-versions.node.ts";
import { remapChange } from "./store-replica.node.ts";
import { auth, fixture, health, type Json, recommend, replica, tableIds, until } from "./store-replica.fixture.ts";

const once = (ids: string[], id: string) => ids.filter((x) => x === id).length;

describe("remapChange", () => {
  // A new version's content map: factor 0 says drama, factor 1 the decades after 1980.
  const catalog = [1980, 1990, 2000].flatMap((year) => ["Drama", "Comedy"].map((genre) => ({ title: "T", year, genres: [genre], text: genre === "Drama" ? "sad tears" : "funny jokes" })));
  const map = ContentMap.fit(catalog, Float32Array.from(catalog.flatMap((it) => [it.genres[0] === "Drama" ? 1 : 0, (it.year - 1980) / 10])), 2, { spread: 0 });
  const item = { id: "new", title: "New", genres: ["Comedy"], tags: [], text: "funny jokes" };
  const untrained = () => false;

  it("places an item placed by its text again by its text, at the same candidate years", () => {
    const textYears = [{ year: 2000, weight: 1 }];
    expect(Array.from(map.mapTextAtYears(item, textYears))).not.toEqual(Array.from(map.map(item)));
    const change: CatalogChange = { op: "put", item, vector: [9, 9], textYears };
    expect(remapChange(change, untrained, map)).toEqual({ op: "put", item, vector: Array.from(map.mapTextAtYears(item, textYears)), textYears });
  });

  it("places an item whose genres were given (or logged before placements were) by the full map; keeps a trained item's vector", () => {
    expect(remapChange({ op: "put", item, vector: [9, 9] }, untrained, map)).toEqual({ op: "put", item, vector: Array.from(map.map(item)) });
    expect(remapChange({ op: "put", item, vector: [9, 9] }, () => true, map)).toEqual({ op: "put", item });
  });
});

describe("replicas on a folder store", () => {
  it("train --publish makes a version current; a replica on an empty local disk serves it without training", { timeout: 60_000 }, async () => {
    const fx = fixture();
    const published = await runCli("train", "--interactions", fx.file, "--model", "als", "--no-tune", "--publish", fx.store);
    expect(published.code).toBe(0);
    const pointer = await readCurrent(new FolderObjectStore(fx.store));
    expect(published.out.join("\n")).toContain(`published model version ${pointer!.version}`);
    // Publishing built the version's items table on the store: one row per item.
    const store = new FolderObjectStore(fx.store);
    const commits = `lancedb/${versionTable(pointer!.version)}.lance/_versions/`;
    const [commitsBefore, ids] = [await store.list(commits), await tableIds(fx, pointer!.version)];
    expect(ids.length).toBeGreaterThan(100);
    expect(new Set(ids).size).toBe(ids.length);
    const { server, logs, local } = await replica(fx, "ease");
    try {
      expect(logs.some((l) => l.startsWith("trained") || l.includes("training one"))).toBe(false);
      // The replica opened that table: it committed nothing to it and built none on its disk.
      expect(await store.list(commits)).toEqual(commitsBefore);
      expect(readdirSync(local, { recursive: true }).filter((p) => String(p).includes("lance"))).toEqual([]);
      expect((await (await fetch(`${server.url}/healthz`)).json())).toMatchObject({ version: pointer!.version });
      expect(await health(server)).toMatchObject({ status: "ok", model: "als", version: pointer!.version });
      expect(await recommend(server, fx.users[0])).toHaveLength(10);
    } finally {
      await server.close();
    }
  });

  it("two replicas starting together on an empty store train, and agree on one version", { timeout: 90_000 }, async () => {
    const fx = fixture();
    const [a, b] = await Promise.all([replica(fx), replica(fx)]);
    try {
      const [ha, hb] = [await health(a.server), await health(b.server)];
      expect(ha.version).toBeDefined();
      expect(hb.version).toBe(ha.version);
      const store = new FolderObjectStore(fx.store);
      const lists = (await store.list("models/")).filter((k) => k.endsWith("/published.json"));
      expect(lists).toEqual([`models/${ha.version}/published.json`]);
      expect([...a.logs, ...b.logs].filter((l) => l.includes("training one"))).toHaveLength(2);
      expect([...a.logs, ...b.logs].filter((l) => l.includes("first; dropping"))).toHaveLength(1);
      // Each sees the other's writes once it has followed the shared log.
      const posted = await fetch(`${a.server.url}/v1/items`, { method: "POST", headers: auth, body: JSON.stringify({ id: "from-a", title: "Written On A", genres: ["Drama"] }) });
      expect(posted.status).toBe(201);
      await until("B to see A's item", async () => (await fetch(`${b.server.url}/v1/items/from-a`)).status === 200);
      // A wrote it to the version's table on the store, once; B finds it by title there (B's own copy is in memory).
      expect(once(await tableIds(fx, ha.version), "from-a")).toBe(1);
      const titleSearch = async () => ((await (await fetch(`${b.server.url}/v1/items?q=${encodeURIComponent("Written On A")}&k=3`)).json()) as Json).items.map((i: Json) => i.id);
      await until("B's title search to find A's item", async () => (await titleSearch())[0] === "from-a");
    } finally {
      await Promise.all([a.server.close(), b.server.close()]);
    }
  });

  it("swaps in a version published under load: no failed request, writes made before survive, answers from the new model", { timeout: 120_000 }, async () => {
    const fx = fixture();
    const { server, logs } = await replica(fx, "als");
    try {
      const before = await health(server);
      expect(before.model).toBe("als");
      // Writes before the swap: feedback for a user, and an item onboarded from its content.
      const user = fx.users[3];
      const seenNow = (await recommend(server, user, 1))[0];
      expect((await fetch(`${server.url}/v1/feedback`, { method: "POST", headers: auth, body: JSON.stringify({ user_id: user, item_id: seenNow }) })).status).toBe(201);
      const onboard = await fetch(`${server.url}/v1/items`, { method: "POST", headers: auth, body: JSON.stringify({ id: "fresh-item", title: "A Fresh Item", genres: ["Drama"], year: 2025 }) });
      expect(onboard.status).toBe(201);

      // A bounded loop of concurrent requests, running through the publish and the swap.
      let stop = false;
      let ok = 0;
      const failures: string[] = [];
      const versions = new Set<string>();
      const client = async (c: number) => {
        for (let n = 0; !stop && n < 20_000; n++) {
          try {
            const u = fx.users[(c * 31 + n) % fx.users.length];
            const res = await fetch(`${server.url}/v1/recommendations`, { method: "POST", headers: auth, body: JSON.stringify({ user_id: u, k: 10 }) });
            if (res.status !== 200) failures.push(`${res.status} ${await res.text()}`);
            else if (((await res.json()) as Json).items.length !== 10) failures.push("short answer");
            else ok++;
            if (n % 5 === 0) versions.add((await health(server)).version);
          } catch (e) {
            failures.push(String(e));
          }
        }
      };
      // And writes all along: every item acknowledged before, during or after the swap must be there afterwards.
      const acknowledged: string[] = [];
      const writer = async () => {
        for (let n = 0; !stop && n < 5_000; n++) {
          const id = `live-${n}`;
          const res = await fetch(`${server.url}/v1/items`, { method: "POST", headers: auth, body: JSON.stringify({ id, title: `Live Item ${n}`, genres: ["Comedy"] }) });
          if (res.status === 201) acknowledged.push(id);
          else failures.push(`write ${res.status} ${await res.text()}`);
        }
      };
      const load = Promise.all([...Array.from({ length: 8 }, (_, c) => client(c)), writer()]);
      await new Promise((r) => setTimeout(r, 500));
      const published = await runCli("train", "--interactions", fx.file, "--model", "ease", "--no-tune", "--publish", fx.store);
      expect(published.code).toBe(0);
      const next = (await readCurrent(new FolderObjectStore(fx.store)))!.version;
      await until("the swap", async () => (await health(server)).version === next);
      const [okAtSwap, writtenAtSwap] = [ok, acknowledged.length];
      await until("requests and writes after the swap", async () => ok > okAtSwap + 50 && acknowledged.length > writtenAtSwap + 2);
      stop = true;
      await load;
      expect(failures).toEqual([]);
      expect(ok).toBeGreaterThan(50);
      expect([...versions].sort()).toEqual([before.version, next].sort());
      expect(logs.some((l) => l.startsWith(`swapped to model version ${next}`))).toBe(true);

      expect(await health(server)).toMatchObject({ model: "ease", version: next });
      // The writes made before the swap are still there.
      expect((await fetch(`${server.url}/v1/items/fresh-item`)).status).toBe(200);
      expect(await recommend(server, user, 100)).not.toContain(seenNow);
      const missing = [];
      for (const id of acknowledged) if ((await fetch(`${server.url}/v1/items/${id}`)).status !== 200) missing.push(id);
      expect(missing).toEqual([]);
      // The new version's table on the store has every item onboarded before, during and after the swap, once.
      const inNewTable = await tableIds(fx, next);
      expect(new Set(inNewTable).size).toBe(inNewTable.length);
      expect(["fresh-item", ...acknowledged].filter((id) => once(inNewTable, id) !== 1)).toEqual([]);
      // Answers come from the new model: the same as a replica that started on the new version with the same log.
      const fresh = await replica(fx);
      try {
        expect((await health(fresh.server)).version).toBe(next);
        for (const u of fx.users.slice(0, 5)) expect(await recommend(server, u)).toEqual(await recommend(fresh.server, u));
        expect(await recommend(server, user, 100)).toEqual(await recommend(fresh.server, user, 100));
      } finally {
        await fresh.server.close();
      }
    } finally {
      await server.close();
    }
  });

  it("ignores a damaged or half-published version with a log line and keeps serving the current one", { timeout: 60_000 }, async () => {
    const fx = fixture();
    const { server, logs } = await replica(fx);
    const store = new FolderObjectStore(fx.store);
    const good = (await health(server)).version as string;
    try {
      // A copy of the good version under another name with its model body truncated.
      for (const key of await store.list(`models/${good}/`)) {
        let bytes = (await store.get(key))!;
        if (key.endsWith("model/model.bin")) bytes = bytes.slice(0, bytes.byteLength - 8);
        if (key.endsWith("published.json")) bytes = new TextEncoder().encode(new TextDecoder().decode(bytes).replace(good, "damaged-1"));
        await store.put(key.replace(good, "damaged-1"), bytes);
      }
      await store.put(CURRENT_KEY, JSON.stringify({ version: "damaged-1", publishedAt: new Date().toISOString(), chosen: "als" }));
      await until("the damaged version's log line", async () => logs.some((l) => l.includes("model version damaged-1 not loaded")));
      expect(logs.find((l) => l.includes("damaged-1 not loaded"))).toMatch(new RegExp(`still serving ${good}: .*model\\.bin.*damaged`));
      // A pointer naming a version whose objects are not all there yet.
      await store.put("models/half-1/model/model.json", "{}");
      await store.put(CURRENT_KEY, JSON.stringify({ version: "half-1", publishedAt: new Date().toISOString(), chosen: "als" }));
      await until("the half-published version's log line", async () => logs.some((l) => l.includes("model version half-1 not loaded")));
      expect(logs.find((l) => l.includes("half-1 not loaded"))).toMatch(/half-published/);
      expect((await health(server)).version).toBe(good);
      expect(await recommend(server, fx.users[0])).toHaveLength(10);
    } finally {
      await server.close();
    }
  });
});
