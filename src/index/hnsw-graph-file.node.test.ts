import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32, normalSampler } from "../numeric/random.ts";
import { HnswIndex, type HnswOptions } from "./hnsw.node.ts";
import { sidecarOf } from "./hnsw-graph-file.node.ts";
import { queryMirrorFor } from "./query-mirror.node.ts";
import type { Filter, Scored } from "./types.ts";

const N = 3000;
const D = 16;

/** `N` items of dimension `D` around 10 centres; genre "Tenth" kept by about 10%. */
function catalog(seed: number) {
  const normal = normalSampler(mulberry32(seed));
  const centres = Array.from({ length: 10 }, () => Float32Array.from({ length: D }, normal));
  const pick = mulberry32(seed + 1);
  const vectors = new Float32Array(N * D);
  const items = Array.from({ length: N }, (_, i) => {
    const centre = centres[Math.floor(pick() * centres.length)];
    for (let j = 0; j < D; j++) vectors[i * D + j] = centre[j] + normal();
    return { id: `i${i}`, title: `Item ${i}`, genres: pick() < 0.1 ? ["Tenth"] : ["Common"], tags: [], year: 1950 + (i % 70) };
  });
  return { items, vectors };
}

const { items, vectors } = catalog(3);
const queries = Array.from({ length: 30 }, (_, q) => vectors.slice(q * 97 * D, (q * 97 + 1) * D).map((x, j) => x + ((q + j) % 3) - 1));
const pairs = (results: Scored[]) => results.map((r): [string, number] => [r.item.id, r.score]);

async function answers(index: HnswIndex, filter?: Filter): Promise<Array<Array<[string, number]>>> {
  return Promise.all(queries.map(async (q) => pairs(await index.query(q, { k: 10, filter }))));
}

describe("HnswIndex with a saved graph", () => {
  let dir: string;
  let graphFile: string;
  let built: HnswIndex;
  const logs: string[] = [];
  const open = (options: Partial<HnswOptions> = {}, vectorsToUse = vectors) => {
    logs.length = 0;
    return HnswIndex.fromArrays(items, vectorsToUse, D, { ...options, graphFile, log: (line) => logs.push(line) });
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "recagent-hnsw-graph-"));
    graphFile = join(dir, "graph.bin");
    built = open();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("builds and saves the graph when there is none, leaving no temporary files", () => {
    expect(built.graphOrigin).toBe("built");
    expect(logs).toEqual([`hnsw: no saved graph at ${graphFile}; building it`, expect.stringMatching(/^hnsw: built the graph of 3000 items in [\d.]+ s, saved to /)]);
    expect(readdirSync(dir).sort()).toEqual(["graph.bin", "graph.bin.json"]);
    const sidecar = JSON.parse(readFileSync(sidecarOf(graphFile), "utf8"));
    expect(sidecar).toMatchObject({ format: 1, space: "ip", dimension: D, items: N, m: 16, efConstruction: 100, seed: 100 });
  });

  it("loads it on the next start, without inserting, and answers exactly as the built graph", async () => {
    const loaded = open();
    expect(loaded.graphOrigin).toBe("loaded");
    expect(logs).toEqual([expect.stringMatching(/^hnsw: loaded the graph of 3000 items from .* in [\d.]+ s$/)]);
    expect(await loaded.count()).toBe(N);
    expect(await answers(loaded)).toEqual(await answers(built));
    expect(await answers(loaded, { genresAny: ["Tenth"] })).toEqual(await answers(built, { genresAny: ["Tenth"] }));
    expect(loaded.answered.exact).toBe(built.answered.exact);
    expect((await loaded.get("i5"))?.vector).toEqual(vectors.subarray(5 * D, 6 * D));
  });

  it("takes catalog changes on top of a loaded graph: onboarded, updated and deleted items", async () => {
    const loaded = open();
    expect(loaded.graphOrigin).toBe("loaded");
    const q = queries[0];
    const top = await loaded.query(q, { k: 10 });
    const newcomer = { id: "new", title: "Newcomer", genres: ["Tenth"], tags: [], vector: q.map((x) => 3 * x) };
    await loaded.upsert([newcomer]);
    expect((await loaded.query(q, { k: 1 }))[0].item.id).toBe("new");
    expect((await loaded.query(q, { k: 1, filter: { genresAny: ["Tenth"] } }))[0].item.id).toBe("new");
    // A trained item moved next to the query is relinked in the loaded graph.
    await loaded.upsert([{ ...items[2999], vector: q.map((x) => 4 * x) }]);
    expect((await loaded.query(q, { k: 1 }))[0].item.id).toBe("i2999");
    await loaded.delete(["new", "i2999", ...top.slice(0, 5).map((r) => r.item.id)]);
    const after = await loaded.query(q, { k: 5 });
    expect(after.map((r) => r.item.id)).toEqual(top.slice(5).map((r) => r.item.id));
    await loaded.upsert([{ ...newcomer, id: "newer" }]);
    expect(await loaded.count()).toBe(N - 5 - 1 + 1);
    expect((await loaded.query(q, { k: 1 }))[0].item.id).toBe("newer");
    expect(loaded.answered.exact).toBe(0);
  });

  it("rebuilds for other vectors or other graph parameters, and saves the new graph", async () => {
    const moved = vectors.slice();
    moved[7] += 0.5;
    const rebuilt = open({}, moved);
    expect(rebuilt.graphOrigin).toBe("built");
    expect(logs[0]).toMatch(/ignoring the saved graph .* \(built with vectorsSha256 \w+, now \w+\); rebuilding$/);
    expect(open({}, moved).graphOrigin).toBe("loaded");
    expect(open({ m: 8 }).graphOrigin).toBe("built");
    expect(logs[0]).toMatch(/built with m 16, now 8/);
    // Query-time knobs are not graph parameters.
    expect(open({ efSearch: 128 }).graphOrigin).toBe("built");
    expect(open({ efSearch: 128 }).graphOrigin).toBe("loaded");
    expect(await answers(open())).toEqual(await answers(built));
  });

  const damages: Array<[string, () => void, RegExp]> = [
    ["a truncated graph", () => truncateSync(graphFile, 5000), /5000 bytes, the sidecar says \d+/],
    [
      "a damaged byte in the graph",
      () => {
        const bytes = readFileSync(graphFile);
        bytes[bytes.length >> 1] ^= 0xff;
        writeFileSync(graphFile, bytes);
      },
      /do not hash to the sidecar's SHA-256/,
    ],
    ["a garbled sidecar", () => writeFileSync(sidecarOf(graphFile), "{ not json"), /unreadable sidecar/],
    ["a missing graph beside its sidecar", () => rmSync(graphFile), /graph file: ENOENT/],
    [
      "another build's graph beside this sidecar (writers interleaved)",
      () => {
        HnswIndex.fromArrays(items, vectors, D, { seed: 7, graphFile: join(dir, "other.bin") });
        copyFileSync(join(dir, "other.bin"), graphFile);
      },
      /bytes, the sidecar says|do not hash/,
    ],
  ];
  for (const [label, damage, reason] of damages) {
    it(`never trusts ${label}: rebuilds, answers as before, and repairs the file`, async () => {
      open(); // the file is whole before the damage
      damage();
      const rebuilt = open();
      expect(rebuilt.graphOrigin).toBe("built");
      expect(logs[0]).toMatch(reason);
      expect(await answers(rebuilt)).toEqual(await answers(built));
      expect(open().graphOrigin).toBe("loaded");
    });
  }

  it("serves from memory when the graph cannot be saved", async () => {
    logs.length = 0;
    const unsaved = HnswIndex.fromArrays(items, vectors, D, { graphFile: join(dir, "no-such-dir", "graph.bin"), log: (line) => logs.push(line) });
    expect(unsaved.graphOrigin).toBe("built");
    expect(logs.some((line) => line.includes("could not save the graph"))).toBe(true);
    expect(await answers(unsaved)).toEqual(await answers(built));
    expect(existsSync(join(dir, "no-such-dir"))).toBe(false);
  });

  it("queryMirrorFor keeps the graph in the directory it is given, named by catalog size and dimension", () => {
    const mirrorDir = mkdtempSync(join(tmpdir(), "recagent-mirror-graph-"));
    try {
      const options = { hnswAbove: 100, graphDir: mirrorDir };
      expect((queryMirrorFor(items, vectors, D, options) as HnswIndex).graphOrigin).toBe("built");
      expect(readdirSync(mirrorDir).sort()).toEqual([`hnsw-${N}x${D}.bin`, `hnsw-${N}x${D}.bin.json`]);
      expect((queryMirrorFor(items, vectors, D, options) as HnswIndex).graphOrigin).toBe("loaded");
      expect(queryMirrorFor(items.slice(0, 100), vectors.subarray(0, 100 * D), D, options).kind).toBe("memory");
    } finally {
      rmSync(mirrorDir, { recursive: true, force: true });
    }
  });
});
