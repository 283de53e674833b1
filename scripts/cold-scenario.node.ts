/**
 * Issue 9's cold-start scenario for any model, through the live path (onboarding, then recommendations from a
 * history): where a new animated family film known by its title and description ranks for a Pixar history (its
 * fans) and for a horror history, among the top 100. The test src/agent/cold-start.node.test.ts asserts it for
 * ALS and EASE; this probes the others, whose fits are too slow for the test suite.
 *
 *   node --import tsx scripts/cold-scenario.node.ts MODEL [MODEL ...]
 */
import { assembleServices, memoryIndexOf } from "../src/agent/assemble.ts";
import { HORROR_HISTORY, NEW_FAMILY_FILM, PIXAR_HISTORY } from "../src/agent/cold-scenario.fixture.ts";
import { loadDataset } from "../src/data/files.node.ts";
import { Interactions } from "../src/data/interactions.ts";
import { alsSpec } from "../src/models/als.ts";
import { ContentMap } from "../src/models/content-map.ts";
import { type FactorRecommender, isFactorRecommender } from "../src/models/recommender.ts";
import { recommenderSpec } from "../src/models/registry.ts";
import { resolveParams } from "../src/models/spec.ts";

const DEPTH = 100;
const names = process.argv.slice(2);
if (names.length === 0) {
  console.error("usage: node --import tsx scripts/cold-scenario.node.ts MODEL [MODEL ...]");
  process.exit(2);
}
const dataset = loadDataset("ml-latest-small");
const data = Interactions.fromRows(dataset.rows);
const ids = data.items.toArray();
const items = ids.map((id) => dataset.catalog.get(id)!);
const logs = { catalog: { append() {} }, feedback: { append() {} } };

for (const name of names) {
  const spec = recommenderSpec(name);
  const started = performance.now();
  const model = spec.create(resolveParams(spec));
  await model.fit(data, { items });
  // As a build does: a model without item vectors serves onboarded items from a companion ALS's space.
  let space: FactorRecommender;
  if (isFactorRecommender(model)) space = model;
  else {
    space = alsSpec.create(resolveParams(alsSpec));
    await space.fit(data);
  }
  const contentMap = ContentMap.fit(items, space.itemVectors(), space.factors);
  const saved = { artifact: model.toArtifact(), users: data.users.toArray(), items: ids, seen: data.matrix, seenAges: data.ages };
  const services = await assembleServices({ saved, models: { model, space }, items, index: memoryIndexOf(space, items), contentMap, logs });
  await services.onboarding!.create(NEW_FAMILY_FILM);
  const rankFor = async (history: string[]) => {
    const { items: top } = await services.recommendations.recommend({ history: history.map((itemId) => ({ itemId, weight: 1 })), k: DEPTH, excludeSeen: true });
    const rank = top.findIndex((item) => item.id === NEW_FAMILY_FILM.id) + 1;
    return rank === 0 ? `outside the top ${DEPTH}` : `${rank}`;
  };
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  console.log(`${name}: the new family film ranks ${await rankFor(PIXAR_HISTORY)} for the Pixar history, ${await rankFor(HORROR_HISTORY)} for the horror one (fit and build ${seconds} s)`);
}
