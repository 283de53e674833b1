import { beforeAll, describe, expect, it } from "vitest";
import type { Item } from "../core/types.ts";
import { loadDataset } from "../data/files.node.ts";
import { Interactions } from "../data/interactions.ts";
import { alsSpec } from "../models/als.ts";
import { ContentMap } from "../models/content-map.ts";
import { easeSpec } from "../models/ease.ts";
import type { SavedModel } from "../models/persist.ts";
import type { FactorRecommender, Recommender } from "../models/recommender.ts";
import { resolveParams } from "../models/spec.ts";
import { assembleServices, memoryIndexOf, type Services } from "./assemble.ts";
import { HORROR_HISTORY as HORROR, NEW_FAMILY_FILM as FILM, PIXAR_HISTORY as PIXAR } from "./cold-scenario.fixture.ts";

/**
 * Issue 9's scenario on the bundled MovieLens, through the live path (POST /v1/items' onboarding, then
 * /v1/recommendations), for a model served through its vector index (ALS) and one that scores the catalog
 * (EASE, onboarded items calibrated from the companion ALS space): a new animated family film, known only by a
 * title and a description, reaches the top 20 of someone who watched Pixar films and stays out of a horror
 * fan's. Before calibration its score was a third of the 100th warm item's for the Pixar history.
 */
describe("a new item reaches its fans, and only them (ml-latest-small)", () => {
  const built: Record<string, Services> = {};

  beforeAll(async () => {
    const dataset = loadDataset("ml-latest-small");
    const data = Interactions.fromRows(dataset.rows);
    const ids = data.items.toArray();
    const items: Item[] = ids.map((id) => dataset.catalog.get(id)!);
    const als = alsSpec.create(resolveParams(alsSpec)) as FactorRecommender;
    await als.fit(data);
    const ease = easeSpec.create(resolveParams(easeSpec));
    await ease.fit(data);
    const contentMap = ContentMap.fit(items, als.itemVectors(), als.factors);
    const saved = (m: Recommender): SavedModel => ({ artifact: m.toArtifact(), users: data.users.toArray(), items: ids, seen: data.matrix, seenAges: data.ages });
    const logs = { catalog: { append() {} }, feedback: { append() {} } };
    for (const [name, model] of [["als", als], ["ease", ease]] as const) {
      built[name] = await assembleServices({ saved: saved(model), models: { model, space: als }, items, index: memoryIndexOf(als, items), contentMap, logs });
      await built[name].onboarding!.create(FILM);
    }
  }, 300_000);

  for (const model of ["als", "ease"]) {
    it(`${model}: in the top 20 for a Pixar history, out of a horror fan's`, async () => {
      const { recommendations } = built[model];
      const top = async (history: string[]) => (await recommendations.recommend({ history: history.map((item_id) => ({ itemId: item_id, weight: 1 })), k: 20, excludeSeen: true })).items.map((i) => i.id);
      const fan = await top(PIXAR);
      expect(fan).toHaveLength(20);
      expect(fan).toContain(FILM.id);
      const other = await top(HORROR);
      expect(other).toHaveLength(20);
      expect(other).not.toContain(FILM.id);
    });
  }
});
