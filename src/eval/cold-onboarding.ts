/**
 * Protocol P2 measured through the service's own onboarding path: the cold items are created with
 * ItemOnboarding (content map -> vector -> index) and scored by the user's fold-in vector against the index,
 * the two calls RecommendService makes. This is why an eval module imports from agent/: a copy of that path
 * here could drift from what POST /v1/items does.
 */
import { ItemStore } from "../agent/item-store.ts";
import type { DescribedItem, ItemText } from "../agent/metadata/describe.ts";
import { ItemOnboarding } from "../agent/onboarding.ts";
import { addUsage, type LlmUsage, NO_USAGE } from "../llm/types.ts";
import { InputError } from "../core/errors.ts";
import type { Item, ItemWeight } from "../core/types.ts";
import { MemoryIndex } from "../index/memory.ts";
import { ContentMap } from "../models/content-map.ts";
import { type FactorRecommender, type FitOptions, isFactorRecommender, type Params, type Recommender } from "../models/recommender.ts";
import type { ModelSpec } from "../models/spec.ts";
import { mulberry32 } from "../numeric/random.ts";
import { type ColdData, type ColdMetrics, coldMetrics, rankCold } from "./cold.ts";
import { genreAffinityScores } from "./genre-affinity.ts";

export interface ColdReport {
  test_users: number;
  cold_items: number;
  metrics: ColdMetrics;
  warm_items: number;
  /** Wall seconds: training the model, and fitting the content map. */
  fit_s: number;
  map_fit_s: number;
  baselines: { random: ColdMetrics; genre_affinity: ColdMetrics };
  /** For items onboarded without genres: who derived them from the text ("llm", "rules", "rules (timeout)"...), and LLM usage. */
  metadata?: { sources: Record<string, number>; usage: LlmUsage };
}

export interface ColdOptions extends FitOptions {
  /** The content map's ridge penalty per item (ContentMap default when absent). */
  shrinkage?: number;
  /**
   * Builds the text -> metadata step the service puts in front of onboarding (itemDescriber) from the warm
   * catalog; items without genres then get theirs from their text, as POST /v1/items does.
   */
  describer?: (warm: readonly Item[]) => (item: ItemText) => Promise<DescribedItem>;
}

/** `contentOf(id)` is what is known about an item at onboarding (title, year, genres). */
export async function evaluateColdOnboarding(
  spec: ModelSpec<Recommender>,
  params: Params,
  data: ColdData,
  contentOf: (id: string) => Item,
  opts: ColdOptions = {},
): Promise<ColdReport> {
  const model = spec.create(params);
  if (!isFactorRecommender(model)) throw new InputError(`onboarding places items among item vectors; ${spec.name} has none (use als or bpr)`);
  const t0 = performance.now();
  await model.fit(data.train, opts);
  const fit_s = (performance.now() - t0) / 1000;

  const warm = data.train.items.toArray().map(contentOf);
  const t1 = performance.now();
  const contentMap = ContentMap.fit(warm, model.itemVectors(), model.factors, { shrinkage: opts.shrinkage });
  const map_fit_s = (performance.now() - t1) / 1000;

  const index = new MemoryIndex(model.factors);
  const onboarding = new ItemOnboarding(index, new ItemStore(), contentMap, () => false, { append() {} }, opts.describer?.(warm));
  const cold = data.cold.map(contentOf);
  const sources: Record<string, number> = {};
  let usage = NO_USAGE;
  for (const item of cold) {
    const { described } = await onboarding.create({ id: item.id, title: item.title, year: item.year, genres: item.genres, description: item.text });
    if (!described) continue;
    const source = described.fallback && described.fallback !== "disabled" ? `${described.source} (${described.fallback})` : described.source;
    sources[source] = (sources[source] ?? 0) + 1;
    usage = addUsage(usage, described.usage);
  }

  const lists: number[][] = [];
  for (const user of data.testUsers) lists.push(rankCold(await indexScores(index, model, historyOf(data, user), data.cold)));
  const next = mulberry32(42);
  const affinity = genreAffinityScores(data.train.matrix, data.testUsers, warm, cold);
  const n = cold.length;
  return {
    test_users: data.testUsers.length,
    cold_items: n,
    metrics: coldMetrics(data.relevant, lists),
    warm_items: warm.length,
    fit_s,
    map_fit_s,
    baselines: {
      random: coldMetrics(data.relevant, lists.map(() => rankCold(Array.from({ length: n }, next)))),
      genre_affinity: coldMetrics(data.relevant, lists.map((_, j) => rankCold(affinity.subarray(j * n, (j + 1) * n)))),
    },
    ...(Object.keys(sources).length > 0 && { metadata: { sources, usage } }),
  };
}

function historyOf(data: ColdData, user: number): ItemWeight[] {
  const { indptr, indices, values } = data.train.matrix;
  const out: ItemWeight[] = [];
  for (let p = indptr[user]; p < indptr[user + 1]; p++) out.push({ item: indices[p], weight: values[p] });
  return out;
}

/** Every cold item's score for a user, by position in `cold`: the index's dot product with the fold-in vector. */
async function indexScores(index: MemoryIndex, model: FactorRecommender, history: ItemWeight[], cold: readonly string[]): Promise<Float64Array> {
  const found = await index.query(model.foldIn(history), { k: cold.length });
  const byId = new Map(found.map((s) => [s.item.id, s.score]));
  return Float64Array.from(cold, (id) => byId.get(id) ?? -Infinity);
}
