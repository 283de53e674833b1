import { Interactions } from "../data/interactions.ts";
import { AlsRecommender, alsSpec } from "../models/als.ts";
import { ContentMap } from "../models/content-map.ts";
import { easeSpec } from "../models/ease.ts";
import type { SavedModel } from "../models/persist.ts";
import type { Recency } from "../models/recency.ts";
import type { Recommender } from "../models/recommender.ts";
import { resolveParams } from "../models/spec.ts";

/**
 * Ten users watch all of a1..a3 (genre "a"), ten others all of b1..b3 (genre "b"): what assembleServices needs
 * for an ALS (its own item space) or an EASE (served with the ALS as its companion space).
 */
export async function genreClusters(served: "als" | "ease", recency?: Recency) {
  const rows = [];
  let t = 0;
  for (let u = 0; u < 20; u++) for (const item of u < 10 ? ["a1", "a2", "a3"] : ["b1", "b2", "b3"]) rows.push({ user: `u${u}`, item, value: 1, timestamp: t++ });
  const data = Interactions.fromRows(rows);
  const space = new AlsRecommender(resolveParams(alsSpec, { factors: 4, iterations: 15, reg: 0.1, alpha: 10 }));
  await space.fit(data);
  let model: Recommender = space;
  if (served === "ease") {
    model = easeSpec.create({ lambda: 1 });
    await model.fit(data);
  }
  const ids = data.items.toArray();
  const items = ids.map((id) => ({ id, title: `title ${id}`, genres: [id[0]], tags: [] }));
  const saved: SavedModel = { artifact: model.toArtifact(), users: data.users.toArray(), items: ids, seen: data.matrix, seenAges: data.ages, ...(recency && { recency }) };
  return { space, model, items, saved, contentMap: ContentMap.fit(items, space.itemVectors(), space.factors) };
}
