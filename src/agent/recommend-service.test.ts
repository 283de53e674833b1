import { describe, expect, it } from "vitest";
import { alsSpec } from "../models/als.ts";
import { easeSpec } from "../models/ease.ts";
import { Interactions } from "../data/interactions.ts";
import { NO_RECENCY, type Recency } from "../models/recency.ts";
import type { ItemWeight } from "../core/types.ts";
import type { Recommender } from "../models/recommender.ts";
import { resolveParams } from "../models/spec.ts";
import { ContentMap } from "../models/content-map.ts";
import { assembleServices, memoryIndexOf } from "./assemble.ts";

/** Ten users watch all of a1..a3, ten others all of b1..b3. */
function clusters(): Interactions {
  const rows = [];
  let t = 0;
  for (let u = 0; u < 20; u++) for (const item of u < 10 ? ["a1", "a2", "a3"] : ["b1", "b2", "b3"]) rows.push({ user: `u${u}`, item, value: 1, timestamp: t++ });
  return Interactions.fromRows(rows);
}

async function service(served: "als" | "ease", recency: Recency) {
  const data = clusters();
  const space = alsSpec.create(resolveParams(alsSpec, { factors: 4, iterations: 15, reg: 0.1, alpha: 10 }));
  await space.fit(data);
  let model: Recommender = space;
  if (served === "ease") {
    model = easeSpec.create({ lambda: 1 });
    await model.fit(data);
  }
  const ids = data.items.toArray();
  const items = ids.map((id) => ({ id, title: id, genres: [id[0]], tags: [] }));
  const saved = { artifact: model.toArtifact(), users: data.users.toArray(), items: ids, seen: data.matrix, seenAges: data.ages, recency };
  const { recommendations } = await assembleServices({ saved, models: { model, space }, items, index: memoryIndexOf(space, items), contentMap: ContentMap.fit(items, space.itemVectors(), space.factors) });
  return recommendations;
}

describe.each(["als", "ease"] as const)("RecommendService with recency (%s)", (served) => {
  // Two items of cluster a, then one of cluster b: recency decides which cluster comes first.
  const history = [{ itemId: "a1", weight: 1 }, { itemId: "a2", weight: 1 }, { itemId: "b1", weight: 1 }];
  const first = async (recency: Recency, h = history) => (await (await service(served, recency)).recommend({ history: h, k: 1, excludeSeen: true })).items[0].id;
  const strong = { tau: 0.3, floor: 0 };

  it("without recency, follows the majority of the history", async () => {
    expect(await first(NO_RECENCY)).toBe("a3");
  });

  it("with recency, follows the newest event", async () => {
    expect(["b2", "b3"]).toContain(await first(strong));
  });

  it("orders a request's history by ts when every event has one", async () => {
    const reordered = [{ ...history[2], ts: 10 }, { ...history[0], ts: 20 }, { ...history[1], ts: 30 }];
    expect(await first(strong, reordered)).toBe("a3");
  });
});

describe("RecommendService reasons from a model's attention", () => {
  /** The ALS service, its model also reporting attention over the history: all of it on `focus`. */
  async function attending(focus: string | undefined) {
    const data = clusters();
    const space = alsSpec.create(resolveParams(alsSpec, { factors: 4, iterations: 15, reg: 0.1, alpha: 10 }));
    await space.fit(data);
    const model: Recommender = focus === undefined
      ? space
      : Object.assign(space, { attentionOver: (h: readonly ItemWeight[]) => h.map((e) => ({ item: e.item, weight: data.items.id(e.item) === focus ? 1 : 0 })) });
    const ids = data.items.toArray();
    const items = ids.map((id) => ({ id, title: `title ${id}`, genres: [id[0]], tags: [] }));
    const saved = { artifact: model.toArtifact(), users: data.users.toArray(), items: ids, seen: data.matrix, seenAges: data.ages, recency: NO_RECENCY };
    const { recommendations } = await assembleServices({ saved, models: { model, space }, items, index: memoryIndexOf(space, items), contentMap: ContentMap.fit(items, space.itemVectors(), space.factors) });
    return (await recommendations.recommend({ history: [{ itemId: "a1", weight: 1 }, { itemId: "a2", weight: 1 }], k: 1, excludeSeen: true })).items[0];
  }

  it("names only the history items the model attended to", async () => {
    const plain = await attending(undefined);
    expect(plain.id).toBe("a3");
    expect([...plain.reasons].sort()).toEqual(["title a1", "title a2"]);
    expect((await attending("a2")).reasons).toEqual(["title a2"]);
    expect((await attending("a1")).reasons).toEqual(["title a1"]);
  });
});
