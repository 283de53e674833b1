import { describe, expect, it } from "vitest";
import { assembleServices, memoryIndexOf } from "../agent/assemble.ts";
import type { InteractionRow, Item } from "../core/types.ts";
import { Interactions } from "../data/interactions.ts";
import { mulberry32 } from "../numeric/random.ts";
import { ContentMap } from "./content-map.ts";
import { decodeModel, encodeModel } from "./persist.ts";
import { describeRecommenderContract } from "./recommender.contract.ts";
import { isContentEncoder, isFactorRecommender } from "./recommender.ts";
import { resolveParams } from "./spec.ts";
import { TwoTower, twoTowerSpec } from "./twotower.ts";
import { hashBucket, towerKeys } from "./twotower-features.ts";

const SMALL = { dim: 8, hidden: 8, batch: 8, lr: 0.05, epochs: 40, validate: 0, hash_bits: 8, init_std: 0.1 };

describeRecommenderContract(twoTowerSpec, { params: SMALL });

/**
 * Two tastes over a small catalog: comedies (items c0..c19) and horror films (h0..h19); each user watches
 * 8 items of one kind in random order. Every item has its genres and a year.
 */
function tastes(seed = 1): { data: Interactions; items: Item[] } {
  const next = mulberry32(seed);
  const catalog: Item[] = [];
  for (let i = 0; i < 20; i++) catalog.push({ id: `c${i}`, title: `Funny Story ${i}`, year: 1990 + (i % 10), genres: ["Comedy"], tags: [] });
  for (let i = 0; i < 20; i++) catalog.push({ id: `h${i}`, title: `Dark Night ${i}`, year: 1980 + (i % 10), genres: ["Horror", "Thriller"], tags: [] });
  const rows: InteractionRow[] = [];
  let t = 0;
  for (let u = 0; u < 60; u++) {
    const kind = u % 2 === 0 ? "c" : "h";
    const picked = new Set<number>();
    while (picked.size < 8) picked.add(Math.floor(next() * 20));
    for (const i of picked) rows.push({ user: `u${u}`, item: `${kind}${i}`, value: 1, timestamp: t++ });
  }
  const data = Interactions.fromRows(rows);
  const byId = new Map(catalog.map((it) => [it.id, it]));
  return { data, items: data.items.toArray().map((id) => byId.get(id)!) };
}

const cosine = (a: Float32Array, b: Float32Array) => {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let j = 0; j < a.length; j++) {
    dot += a[j] * b[j];
    na += a[j] * a[j];
    nb += b[j] * b[j];
  }
  return dot / Math.sqrt(na * nb);
};

describe("twotower", () => {
  const params = resolveParams(twoTowerSpec, { ...SMALL, dim: 16, hidden: 16, batch: 32, epochs: 30, id_dropout: 0.5 });

  it("is a factor model and a content encoder", () => {
    const m = new TwoTower(params);
    expect(isFactorRecommender(m)).toBe(true);
    expect(isContentEncoder(m)).toBe(true);
  });

  it("places a content-only item near the trained items of its kind", async () => {
    const { data, items } = tastes();
    const model = new TwoTower(params);
    await model.fit(data, { items });
    const v = model.itemVectors();
    const d = model.factors;
    const fresh = model.encodeContent({ title: "Funny Story Returns", year: 1995, genres: ["Comedy"] });
    const mean = (kind: string) => {
      const rows = items.map((it, i) => (it.id.startsWith(kind) ? i : -1)).filter((i) => i >= 0);
      return rows.reduce((s, i) => s + cosine(fresh, v.subarray(i * d, (i + 1) * d)), 0) / rows.length;
    };
    expect(mean("c")).toBeGreaterThan(mean("h") + 0.3);
    // And a comedy fan's folded-in vector prefers it to a new horror film.
    const fan = Array.from({ length: 5 }, (_, k) => ({ item: data.items.get(`c${k}`)!, weight: 1 }));
    const u = model.foldIn(fan);
    const horror = model.encodeContent({ title: "Dark Night Returns", year: 1985, genres: ["Horror", "Thriller"] });
    expect(cosine(u, fresh)).toBeGreaterThan(cosine(u, horror));
  });

  it("reports every epoch: validation phase with a metric, then the refit for the chosen count", async () => {
    const { data, items } = tastes(2);
    const model = new TwoTower(resolveParams(twoTowerSpec, { ...SMALL, epochs: 4, patience: 2, validate: 1 }));
    const seen: string[] = [];
    let clock = 0;
    await model.fit(data, { items, onEpoch: (e) => seen.push(`${e.phase}:${e.epoch}:${e.validation !== undefined}:${e.cpuSeconds}`), cpuClock: () => clock++ });
    const validate = seen.filter((s) => s.startsWith("validate"));
    const final = seen.filter((s) => s.startsWith("final"));
    expect(validate.length).toBeGreaterThanOrEqual(1);
    expect(validate.every((s) => s.split(":")[2] === "true")).toBe(true);
    expect(final.length).toBe(model.chosenEpochs);
    expect(model.epochs.every((e) => e.seconds >= 0 && e.cpuSeconds === 1 && Number.isFinite(e.loss))).toBe(true);
  });

  it("saves and loads through the model file format: same vectors, scores and content encodings", async () => {
    const { data, items } = tastes(3);
    const model = new TwoTower(params);
    await model.fit(data, { items });
    const { header, body } = encodeModel({ artifact: model.toArtifact(), users: data.users.toArray(), items: data.items.toArray(), seen: data.matrix });
    const copy = twoTowerSpec.restore(decodeModel(header, body, "twotower.bin").artifact);
    expect(Array.from(copy.itemVectors())).toEqual(Array.from(model.itemVectors()));
    const content = { title: "Funny Story Again", year: 1993, genres: ["Comedy"], tags: ["witty"], text: "a comedy about a wedding" };
    expect(Array.from(copy.encodeContent(content))).toEqual(Array.from(model.encodeContent(content)));
    const history = [{ item: 1, weight: 1 }, { item: 5, weight: 1, recency: 0.5 }];
    expect(Array.from(copy.foldIn(history))).toEqual(Array.from(model.foldIn(history)));
  });

  // An integration check from the service's side: the model needs no special case to be served.
  it("serves through RecommendService and the vector index like any factor model", async () => {
    const { data, items } = tastes(5);
    const model = new TwoTower(params);
    await model.fit(data, { items });
    const saved = { artifact: model.toArtifact(), users: data.users.toArray(), items: data.items.toArray(), seen: data.matrix, seenAges: data.ages };
    const { recommendations } = await assembleServices({ saved, models: { model, space: model }, items, index: memoryIndexOf(model, items), contentMap: ContentMap.fit(items, model.itemVectors(), model.factors) });
    const answer = await recommendations.recommend({ history: ["c1", "c2", "c3", "c4"].map((itemId) => ({ itemId, weight: 1 })), k: 5, excludeSeen: true });
    expect(answer.items).toHaveLength(5);
    expect(answer.items.every((it) => it.id.startsWith("c"))).toBe(true);
  });

  it("moves an onboarded item towards the users who give it feedback (its mean direction)", async () => {
    const { data, items } = tastes(5);
    const model = new TwoTower(params);
    await model.fit(data, { items });
    const saved = { artifact: model.toArtifact(), users: data.users.toArray(), items: data.items.toArray(), seen: data.matrix, seenAges: data.ages };
    const logs = { catalog: { append() {} }, feedback: { append() {} } };
    const services = await assembleServices({ saved, models: { model, space: model }, items, index: memoryIndexOf(model, items), contentMap: ContentMap.fit(items, model.itemVectors(), model.factors), logs });
    // A comedy by its metadata that the horror fans (odd users) turn out to watch.
    await services.onboarding!.create({ id: "new", title: "Funny Story New", genres: ["Comedy"] });
    const horrorFan = model.foldIn(["h1", "h2", "h3"].map((id) => ({ item: data.items.get(id)!, weight: 1 })));
    const before = cosine((await services.index.get("new"))!.vector, horrorFan);
    for (const u of [1, 3, 5, 7, 9]) await services.feedback!.record({ userId: `u${u}`, itemId: "new", weight: 1, ts: u });
    expect(cosine((await services.index.get("new"))!.vector, horrorFan)).toBeGreaterThan(before + 0.3);
  });

  it("rejects a damaged artifact with a message", async () => {
    const { data, items } = tastes(4);
    const model = new TwoTower(params);
    await model.fit(data, { items });
    const a = model.toArtifact();
    expect(() => twoTowerSpec.restore({ ...a, arrays: { ...a.arrays, "param.items": new Float32Array(3) } })).toThrow(/param.items has 3 values/);
  });
});

describe("twotower content keys", () => {
  it("read genres, decade, title words, tags and description words (contentWords), bag groups scaled by 1/sqrt(count)", () => {
    const keys = new Map(towerKeys({ title: "Toy Story", year: 1995, genres: ["Animation", "Comedy"], tags: ["pixar"], text: "Toys come to life, at the Café in 1995." }, { tags: true, text: true }));
    for (const k of ["genre=Animation", "decade=1990", "word=toy", "word=story", "tag=pixar", "text=toy", "text=life", "text=cafe", "bias"]) expect(keys.has(k), k).toBe(true);
    // Stop words, short words and numbers are not description words; plurals and accents fold as in the content map.
    for (const k of ["text=to", "text=the", "text=1995", "text=toys", "text=café"]) expect(keys.has(k), k).toBe(false);
    expect(keys.get("word=toy")).toBeCloseTo(1 / Math.sqrt(2), 6);
    expect(keys.get("text=toy")).toBeCloseTo(1 / Math.sqrt(4), 6);
    const without = new Map(towerKeys({ title: "Toy Story", tags: ["pixar"], text: "Toys" }, { tags: false, text: false }));
    expect(without.has("tag=pixar") || without.has("text=toy")).toBe(false);
  });

  it("read an item's attributes as the content map does (attr: keys, lists split by 1/sqrt(n))", () => {
    const keys = new Map(towerKeys({ title: "Up", attributes: { director: "Pete Docter", cast: ["A", "B", "C", "D"], runtime: 96 } }, { tags: false, text: false }));
    expect(keys.get("attr:director=pete docter")).toBe(1);
    expect(keys.get("attr:cast=a")).toBeCloseTo(0.5, 6);
    expect(keys.get("attr:runtime~6")! + keys.get("attr:runtime~7")!).toBeCloseTo(1, 6);
  });

  it("hash keys into the same bucket on every call, within 2^bits", () => {
    expect(hashBucket("genre=Comedy", 15)).toBe(hashBucket("genre=Comedy", 15));
    expect(hashBucket("genre=Comedy", 4)).toBeLessThan(16);
    expect(hashBucket("genre=Comedy", 15)).not.toBe(hashBucket("genre=Horror", 15));
  });
});
