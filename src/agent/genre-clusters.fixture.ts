import { Interactions } from "../data/interactions.ts";
import { alsSpec } from "../models/als.ts";
import { bprSpec } from "../models/bpr.ts";
import { ContentMap } from "../models/content-map.ts";
import { easeSpec } from "../models/ease.ts";
import type { SavedModel } from "../models/persist.ts";
import type { Recency } from "../models/recency.ts";
import type { FactorRecommender, ItemFoldIn, Recommender } from "../models/recommender.ts";
import { sasrecSpec } from "../models/sasrec.ts";
import { resolveParams } from "../models/spec.ts";

/** The fixture's item space per served model: each factor model is its own; EASE is served with the ALS as its companion. */
const SPACES = {
  als: () => alsSpec.create(resolveParams(alsSpec, { factors: 4, iterations: 15, reg: 0.1, alpha: 10 })),
  bpr: () => bprSpec.create(resolveParams(bprSpec, { factors: 4, iterations: 200 })),
  // As sasrec.test.ts's small fit: no validation hold-out, no dropout.
  sasrec: () => sasrecSpec.create(resolveParams(sasrecSpec, { hidden: 16, maxlen: 5, epochs: 150, patience: 0, dropout: 0, batch: 2, lr: 0.005, average: 0.9 })),
};

/**
 * Ten users watch all of a1..a3 (genre "a"), ten others all of b1..b3 (genre "b"): what assembleServices needs
 * for a factor model (its own item space) or an EASE (served with the ALS as its companion space).
 */
export async function genreClusters(served: "als" | "ease" | "bpr" | "sasrec", recency?: Recency) {
  const rows = [];
  let t = 0;
  for (let u = 0; u < 20; u++) for (const item of u < 10 ? ["a1", "a2", "a3"] : ["b1", "b2", "b3"]) rows.push({ user: `u${u}`, item, value: 1, timestamp: t++ });
  const data = Interactions.fromRows(rows);
  const space: FactorRecommender & ItemFoldIn = SPACES[served === "ease" ? "als" : served]();
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
