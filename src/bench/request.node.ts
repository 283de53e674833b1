/**
 * `npm run bench:request`: CPU cost of one recommendation request inside the process (no HTTP), for a
 * 20-item history the model never saw, k = 10, over the bundled catalog: the whole RecommendService call
 * and its stages (fold-in, retrieval). Prints one JSON line per served model. Builds (or reuses) the
 * artifacts of `npm start` for --model (default als). `--onboarded N` first places N catalog items again as
 * onboarded copies (content vectors from the content map), the case where a dense scorer calibrates their scores.
 */
import { assembleServices, memoryIndexOf, restoreServedModels } from "../agent/assemble.ts";
import { ServiceConfig } from "../core/config.ts";
import { ensureArtifacts } from "../entry/artifacts.node.ts";
import { isFactorRecommender } from "../models/recommender.ts";
import { mulberry32 } from "../numeric/random.ts";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const HISTORY = 20;
const option = (name: string, fallback: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const model = option("--model", "als");
const onboarded = Number(option("--onboarded", "0"));

const artifacts = await ensureArtifacts(ServiceConfig.parse({ model }), (line) => process.stderr.write(`${line}\n`));
const models = restoreServedModels(artifacts.saved, artifacts.companion);
const index = memoryIndexOf(models.space, artifacts.items);
const { recommendations, items: store } = await assembleServices({ saved: artifacts.saved, models, items: artifacts.items, index, contentMap: artifacts.contentMap });
for (const item of artifacts.items.slice(0, onboarded)) {
  const copy = { ...item, id: `bench-onboarded-${item.id}` };
  const vector = artifacts.contentMap.map(copy);
  await index.upsert([{ ...copy, vector }]);
  store.putOnboarded({ ...copy, vector });
}
const ids = artifacts.saved.items;
const next = mulberry32(11);
const histories = Array.from({ length: REQUESTS }, () => Array.from({ length: HISTORY }, () => ({ itemId: ids[Math.floor(next() * ids.length)], weight: 1 })));
const dense = histories.map((h) => h.map((e) => ({ item: artifacts.saved.items.indexOf(e.itemId), weight: 1 })));

/** Mean microseconds of CPU (user + system) per call over every history, after a warm-up pass. */
async function cpuMicros(run: (j: number) => unknown): Promise<number> {
  for (let j = 0; j < Math.min(300, REQUESTS); j++) await run(j);
  const start = process.cpuUsage();
  for (let j = 0; j < REQUESTS; j++) await run(j);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / REQUESTS;
}

const space = models.space;
const stages: Record<string, number> = {};
if (isFactorRecommender(models.model)) {
  const factor = models.model;
  stages.fold_in_us = await cpuMicros((j) => factor.foldIn(dense[j]));
  const vectors = dense.map((h) => factor.foldIn(h));
  stages.index_query_us = await cpuMicros((j) => index.query(vectors[j], { k: 10, filter: { excludeIds: histories[j].map((e) => e.itemId) } }));
} else {
  const out = new Float32Array(models.model.itemCount);
  stages.score_catalog_us = await cpuMicros((j) => models.model.scoreHistory(dense[j], out));
}
const total = await cpuMicros((j) => recommendations.recommend({ history: histories[j], k: 10, excludeSeen: true }));
console.log(JSON.stringify({ bench: "request", model: models.model.name, items: ids.length, factors: space.factors, history: HISTORY, k: 10, onboarded, requests: REQUESTS, request_us: +total.toFixed(1), ...Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, +v.toFixed(1)])) }));
