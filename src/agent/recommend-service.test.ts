import { describe, expect, it } from "vitest";
import { NO_RECENCY, type Recency } from "../models/recency.ts";
import type { ItemWeight } from "../core/types.ts";
import type { Recommender } from "../models/recommender.ts";
import { assembleServices, memoryIndexOf } from "./assemble.ts";
import { genreClusters } from "./genre-clusters.fixture.ts";

async function service(served: "als" | "ease", recency: Recency) {
  const { space, model, items, saved, contentMap } = await genreClusters(served, recency);
  const { recommendations } = await assembleServices({ saved, models: { model, space }, items, index: memoryIndexOf(space, items), contentMap });
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
    const { space, items, saved, contentMap } = await genreClusters("als");
    const model: Recommender = focus === undefined
      ? space
      : Object.assign(space, { attentionOver: (h: readonly ItemWeight[]) => h.map((e) => ({ item: e.item, weight: saved.items[e.item] === focus ? 1 : 0 })) });
    const { recommendations } = await assembleServices({ saved, models: { model, space }, items, index: memoryIndexOf(space, items), contentMap });
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
