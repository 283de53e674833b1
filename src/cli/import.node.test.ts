import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { assembleServices, memoryIndexOf, restoreServedModels } from "../agent/assemble.ts";
import { encodeNpy } from "../data/npy.fixture.ts";
import { writeSparkAlsModel } from "../data/parquet-factors.fixture.node.ts";
import { createApp } from "../http/app.ts";
import { ContentMap } from "../models/content-map.ts";
import { runCli as run } from "./run-cli.fixture.ts";
import { readModelDir } from "./model-dir.node.ts";
import { serviceConfig, startServer } from "../entry/node.ts";
import { storeReplicaState } from "../entry/store-replica.node.ts";

/**
 * Two factors, an "action" axis and a "romance" axis, so every answer can be worked out by hand. Item 99 is in
 * the catalog but has no factors; item 77 has interactions but is in neither.
 */
const ITEMS: Record<number, [number, number]> = {
  10: [1, 0],
  11: [0.9, 0.2],
  12: [0.8, -0.1],
  13: [0, 1],
  14: [0.2, 0.9],
  15: [-0.1, 0.8],
};
const TITLES: Record<number, string> = { 10: "Alien", 11: "Aliens", 12: "Heat", 13: "Notting Hill", 14: "Love Actually", 15: "Pretty Woman", 99: "Toy Story" };
/** User 1 leans romance (scores: 13 1.2, 14 1.1, 15 0.95, 11 0.33, 10 0.1, 12 -0.04), user 2 action. */
const USERS: Record<number, [number, number]> = { 1: [0.1, 1.2], 2: [1, 0.1] };
/** User 1 has seen 13; user 3 has no imported vector and has seen two action items (and 77, unknown). */
const INTERACTIONS = "user\titem\n1\t13\n3\t10\n3\t11\n3\t77\n";

const fixture = (vectors: Record<number, [number, number]>) => ({ ids: Object.keys(vectors).map(Number), vectors: Object.values(vectors) });
let dir: string;
const at = (name: string) => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "recagent-import-"));
  writeFileSync(at("items.jsonl"), Object.entries(TITLES).map(([id, title]) => JSON.stringify({ id, title, genres: [] })).join("\n"));
  writeFileSync(at("interactions.tsv"), INTERACTIONS);
  writeSparkAlsModel(at("spark"), { rank: 2, items: fixture(ITEMS), users: fixture(USERS), parts: 2 });
  const flat = (m: Record<number, number[]>) => Object.values(m).flat();
  writeFileSync(at("items.npy"), encodeNpy(flat(ITEMS), [6, 2], { descr: "<f8" }));
  writeFileSync(at("items.ids"), `${Object.keys(ITEMS).join("\n")}\n`);
  writeFileSync(at("users.npy"), encodeNpy(flat(USERS), [2, 2]));
  writeFileSync(at("users.ids"), Object.keys(USERS).join("\n"));
});


afterEach(() => vi.restoreAllMocks());

async function recommendIds(modelDir: string, user: string, k: number): Promise<string[]> {
  const { code, out, err } = await run("recommend", "--model-dir", modelDir, "--user", user, "--k", String(k), "--json");
  expect(code, err).toBe(0);
  return JSON.parse(out[0]).items.map((i: { id: string }) => i.id);
}

const FOLD = ["--reg", "0.5", "--alpha", "2"];

describe("recagent import", () => {
  it("imports a Spark ALSModel directory (two part files each) and recommends what the factors say", async () => {
    const out = at("from-spark");
    const { code, out: lines, err } = await run("import", "--parquet", at("spark"), "--items", at("items.jsonl"), "--interactions", at("interactions.tsv"), ...FOLD, "--out", out);
    expect(code, err).toBe(0);
    expect(lines[0]).toBe(
      `imported 6 items x 2 factors from ${join(at("spark"), "itemFactors")}, 2 user vectors from ${join(at("spark"), "userFactors")}, ` +
        `1 users folded in from ${at("interactions.tsv")}; fold-in reg 0.5, alpha 2; saved to ${out}`,
    );
    expect(lines.slice(1)).toEqual([
      `note: 1 items of ${at("items.jsonl")} have no factors; this model cannot recommend them`,
      `note: 1 rows of ${at("interactions.tsv")} name items without factors; they are left out of the histories`,
    ]);
    // User 1 from their imported vector, 13 (seen) excluded; user 2 likewise, nothing seen.
    expect(await recommendIds(out, "1", 3)).toEqual(["14", "15", "11"]);
    expect(await recommendIds(out, "2", 2)).toEqual(["10", "11"]);
    // User 3 was folded in from two action items: the third action item comes first.
    const three = await recommendIds(out, "3", 4);
    expect(three[0]).toBe("12");
    expect(three).not.toContain("10");
    expect(three).not.toContain("11");
  });

  it("imports .npy matrices (float64 items, float32 users) with their id lists to the same model", async () => {
    const out = at("from-npy");
    const { code, err } = await run(
      "import", "--npy", at("items.npy"), "--ids", at("items.ids"), "--user-npy", at("users.npy"), "--user-ids", at("users.ids"),
      "--items", at("items.jsonl"), "--interactions", at("interactions.tsv"), ...FOLD, "--out", out,
    );
    expect(code, err).toBe(0);
    for (const user of ["1", "2", "3"]) expect(await recommendIds(out, user, 5)).toEqual(await recommendIds(at("from-spark"), user, 5));
  });

  it("the service serves an imported model: fold-in for a history, personalized for a known user", async () => {
    const out = at("served");
    expect((await run("import", "--parquet", at("spark"), "--items", at("items.jsonl"), "--interactions", at("interactions.tsv"), ...FOLD, "--out", out)).code).toBe(0);
    const { saved, items } = readModelDir(out);
    const models = restoreServedModels(saved);
    const services = await assembleServices({
      saved,
      models,
      items,
      index: memoryIndexOf(models.space, items),
      contentMap: ContentMap.fit(items, models.space.itemVectors(), models.space.factors),
    });
    const app = createApp(services);
    const ask = async (body: unknown) => {
      const res = await app.request("/v1/recommendations", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      expect(res.status).toBe(200);
      return (await res.json()) as { items: { id: string; title: string }[]; strategy: string };
    };
    const romance = await ask({ history: [{ item_id: "13" }, { item_id: "14" }], k: 2 });
    expect(romance.strategy).toBe("fold-in");
    expect(romance.items.map((i) => i.title)).toEqual(["Pretty Woman", expect.any(String)]);
    const known = await ask({ user_id: "3", k: 1 });
    expect(known.strategy).toBe("personalized");
    expect(known.items.map((i) => i.id)).toEqual(["12"]);
  });

  it("publishes to a store, and a replica (recagent serve --store) serves the imported factors, the catalog's unfactored items onboarded", async () => {
    const store = at("store");
    const { code, out: lines, err } = await run("import", "--parquet", at("spark"), "--items", at("items.jsonl"), "--interactions", at("interactions.tsv"), ...FOLD, "--publish", store);
    expect(code, err).toBe(0);
    expect(lines[0]).toMatch(new RegExp(`; published as model version \\S+ to ${store}; it is current$`));
    const config = serviceConfig(["--port", "0", "--store", store, "--artifacts", at("replica"), "--workers", "1"], {});
    const server = await startServer(config, () => {}, { LOG_LEVEL: "silent" }, storeReplicaState(config, {}, () => {}));
    try {
      const health = (await (await fetch(`${server.url}/healthz`)).json()) as { version: string };
      expect(lines[0]).toContain(health.version);
      const res = await fetch(`${server.url}/v1/recommendations`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ user_id: "3", k: 1 }) });
      expect(((await res.json()) as { items: { id: string }[] }).items.map((i) => i.id)).toEqual(["12"]);
      // Toy Story had no factors: the build onboarded it from its content, so it can be found.
      expect((await fetch(`${server.url}/v1/items/99`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it("refuses --out and --publish together", async () => {
    const { code, err } = await run("import", "--parquet", at("spark"), "--items", at("items.jsonl"), "--out", at("x"), "--publish", at("y"));
    expect(code).toBe(2);
    expect(err).toContain("give --out DIR or --publish STORE, not both");
  });

  it("exits 2 with a message for ids not in the items file and for dimension mismatches, writing nothing", async () => {
    const out = at("never");
    const expectFailure = async (argv: string[], message: RegExp) => {
      const r = await run("import", ...argv, "--out", out);
      expect(r.code, r.out.join("\n")).toBe(2);
      expect(r.err).toMatch(message);
      expect(existsSync(out)).toBe(false);
    };
    writeSparkAlsModel(at("spark-extra"), { rank: 2, items: fixture({ ...ITEMS, 500: [1, 1] }) });
    await expectFailure(["--parquet", at("spark-extra"), "--items", at("items.jsonl")], /1 of 7 item ids in .*itemFactors are not in the items file \(e\.g\. 500\)/);

    writeSparkAlsModel(at("spark-rank"), { rank: 3, items: fixture(ITEMS) });
    await expectFailure(["--parquet", at("spark-rank"), "--items", at("items.jsonl")], /features have 2 values but the model's metadata says rank 3/);

    writeFileSync(at("five.ids"), "10\n11\n12\n13\n14\n");
    await expectFailure(["--npy", at("items.npy"), "--ids", at("five.ids"), "--items", at("items.jsonl")], /dimension mismatch: .*items\.npy has 6 rows \(shape 6 x 2\) but .*five\.ids lists 5 ids/);

    writeFileSync(at("users3.npy"), encodeNpy([1, 2, 3, 4, 5, 6], [2, 3]));
    await expectFailure(
      ["--npy", at("items.npy"), "--ids", at("items.ids"), "--user-npy", at("users3.npy"), "--user-ids", at("users.ids"), "--items", at("items.jsonl")],
      /dimension mismatch: user factors \(.*users3\.npy\) have 3 values per row, item factors \(.*items\.npy\) 2/,
    );

    writeFileSync(at("bad.npy"), "10,1.0,0.0\n");
    await expectFailure(["--npy", at("bad.npy"), "--ids", at("items.ids"), "--items", at("items.jsonl")], /bad\.npy: not an \.npy file .*numpy\.save/);
  });

  it("exits 2 on option mistakes, with what to do", async () => {
    const cases: [string[], RegExp][] = [
      [["--items", at("items.jsonl"), "--out", at("x")], /give exactly one of --parquet or --npy/],
      [["--parquet", at("spark"), "--npy", at("items.npy"), "--items", at("items.jsonl"), "--out", at("x")], /give exactly one of --parquet or --npy/],
      [["--parquet", at("spark"), "--out", at("x")], /missing --items/],
      [["--npy", at("items.npy"), "--items", at("items.jsonl"), "--out", at("x")], /missing --ids/],
      [["--npy", at("items.npy"), "--ids", at("items.ids"), "--user-npy", at("users.npy"), "--items", at("items.jsonl"), "--out", at("x")], /--user-npy and --user-ids go together/],
      [["--parquet", at("spark"), "--items", at("items.jsonl"), "--reg", "0", "--out", at("x")], /als parameter reg=0 is invalid/],
      [["--parquet", at("spark"), "--items", at("items.jsonl"), "--weight", "log", "--out", at("x")], /--weight weights the --interactions values/],
    ];
    for (const [argv, message] of cases) {
      const r = await run("import", ...argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.err).toMatch(message);
    }
  });
});
