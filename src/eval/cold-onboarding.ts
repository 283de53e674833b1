/**
 * Protocol P2 measured through the service's own onboarding path: the cold items are created with
 * ItemOnboarding (content map -> vector -> index) and scored by the user's fold-in vector against the index,
 * the two calls RecommendService makes. This is why an eval module imports from agent/: a copy of that path
 * here could drift from what POST /v1/items does.
 */
import { ItemStore } from "../agent/item-store.ts";
import type { DescribedItem, ItemText } from "../agent/metadata/describe.ts";
import { type ItemInput, ItemOnboarding } from "../agent/onboarding.ts";
import { DenseScorer } from "../agent/scoring/dense-scorer.ts";
import { IndexScorer } from "../agent/scoring/index-scorer.ts";
import { boundOnboarded, onboardedSlots } from "../agent/scoring/onboarded-bound.ts";
import type { CandidateScorer } from "../agent/scoring/types.ts";
import { addUsage, type LlmUsage, NO_USAGE } from "../llm/types.ts";
import type { Item, ItemWeight } from "../core/types.ts";
import { MemoryIndex } from "../index/memory.ts";
import { alsSpec } from "../models/als.ts";
import { ContentMap } from "../models/content-map.ts";
import { type FactorRecommender, type FitOptions, isFactorRecommender, type Params, type Recommender } from "../models/recommender.ts";
import { type ModelSpec, resolveParams } from "../models/spec.ts";
import { mulberry32 } from "../numeric/random.ts";
import { COLD_K, type ColdData, type ColdMetrics, coldMetrics, type MixedMetrics, mixedMetrics, rankAll, rankCold } from "./cold.ts";
import { genreAffinityScores } from "./genre-affinity.ts";

/** "cold": P2, cold items ranked among themselves; "all": P2 mixed, every item ranked (what a live service faces). */
export type ColdRanking = "cold" | "all";

/**
 * What onboarding is given of a cold item: "metadata" title, year and genres (P2 as PROTOCOL.md defines it);
 * "all" those, the description and the attributes; "text" the title (no year) and the description only, so genres and a
 * stated year come from the metadata step, as for POST /v1/items with text alone. Warm items always keep all.
 */
export type ColdContent = "metadata" | "all" | "text";

export function onboardingInput(item: Item, content: ColdContent): ItemInput {
  if (content === "text") return { id: item.id, title: item.title, description: item.text };
  return { id: item.id, title: item.title, year: item.year, genres: item.genres, ...(content === "all" && { description: item.text, attributes: item.attributes }) };
}

export interface ColdReport {
  test_users: number;
  cold_items: number;
  metrics: ColdMetrics | MixedMetrics;
  ranking: ColdRanking;
  cold_content: ColdContent;
  model: string;
  warm_items: number;
  /** Wall seconds: training the model (and its companion factor model), and fitting the content map. */
  fit_s: number;
  map_fit_s: number;
  baselines: { random: ColdMetrics | MixedMetrics; genre_affinity: ColdMetrics | MixedMetrics };
  /** For items onboarded without genres: who derived them from the text ("llm", "rules", "rules (timeout)"...), and LLM usage. */
  metadata?: { sources: Record<string, number>; usage: LlmUsage };
  /** Validation over several carve-outs (averageColdReports): each one's metrics; the rest of the report is their mean. */
  folds?: Array<ColdMetrics | MixedMetrics>;
}

/**
 * One report for several validation carve-outs (pickColdItems folds): metrics, baselines, counts and timings
 * averaged, metadata sources and LLM usage summed, each carve-out's metrics kept in `folds`. P2 on one carve-out
 * of about 740 items swings with the few popular items it happens to hold (text-only recall@20 with plot overviews
 * .08 to .18 across four), more than most choices move it; the mean of several is what a choice should rest on.
 */
export function averageColdReports(reports: readonly ColdReport[]): ColdReport {
  if (reports.length === 0) throw new Error("averageColdReports: no reports");
  const mean = (of: (r: ColdReport) => number) => reports.reduce((sum, r) => sum + of(r), 0) / reports.length;
  const meanMetrics = (of: (r: ColdReport) => ColdMetrics | MixedMetrics): ColdMetrics | MixedMetrics =>
    Object.fromEntries(Object.keys(of(reports[0])).map((key) => [key, mean((r) => (of(r) as unknown as Record<string, number>)[key])])) as unknown as ColdMetrics | MixedMetrics;
  const sources: Record<string, number> = {};
  let usage = NO_USAGE;
  for (const r of reports) {
    for (const [source, n] of Object.entries(r.metadata?.sources ?? {})) sources[source] = (sources[source] ?? 0) + n;
    if (r.metadata) usage = addUsage(usage, r.metadata.usage);
  }
  const [first] = reports;
  return {
    test_users: mean((r) => r.test_users),
    cold_items: mean((r) => r.cold_items),
    metrics: meanMetrics((r) => r.metrics),
    ranking: first.ranking,
    cold_content: first.cold_content,
    model: first.model,
    warm_items: mean((r) => r.warm_items),
    fit_s: mean((r) => r.fit_s),
    map_fit_s: mean((r) => r.map_fit_s),
    baselines: { random: meanMetrics((r) => r.baselines.random), genre_affinity: meanMetrics((r) => r.baselines.genre_affinity) },
    ...(Object.keys(sources).length > 0 && { metadata: { sources, usage } }),
    folds: reports.map((r) => r.metrics),
  };
}

export interface ColdOptions extends FitOptions {
  /** The content map's ridge penalty per item (ContentMap default when absent). */
  shrinkage?: number;
  /** The content map's SpreadCalibration spread (ContentMap default when absent). */
  spread?: number;
  ranking?: ColdRanking;
  /** What onboarding is given of a cold item ("all" when absent). */
  coldContent?: ColdContent;
  /** P2 mixed: the service's bound on onboarded items, as a share of the list (OnboardedBound); absent: none. */
  maxOnboardedShare?: number;
  /**
   * Builds the text -> metadata step the service puts in front of onboarding (itemDescriber) from the warm
   * catalog; items without genres then get theirs from their text, as POST /v1/items does.
   */
  describer?: (warm: readonly Item[]) => (item: ItemText) => Promise<DescribedItem>;
}

/**
 * `contentOf(id)` is what is known about an item at onboarding (title, year, genres, maybe a description).
 * The model is served as the service serves it: a factor model through its vector index (IndexScorer), any
 * other through DenseScorer with a companion ALS as its item space (where the content map places new items).
 * The scorer gives every item's score; the ranking and the bound on onboarded items (OnboardedBound, the
 * same function the scorers use) are applied here, so ties follow the protocol's rule exactly.
 */
export async function evaluateColdOnboarding(
  spec: ModelSpec<Recommender>,
  params: Params,
  data: ColdData,
  contentOf: (id: string) => Item,
  opts: ColdOptions = {},
): Promise<ColdReport> {
  const ranking = opts.ranking ?? "cold";
  const model = spec.create(params);
  const warmIds = data.train.items.toArray();
  const warm = warmIds.map(contentOf);
  const t0 = performance.now();
  // Content reaches models that read it (twotower's item tower); the others ignore it.
  await model.fit(data.train, { ...opts, items: warm });
  let space: FactorRecommender;
  if (isFactorRecommender(model)) space = model;
  else {
    space = alsSpec.create(resolveParams(alsSpec));
    await space.fit(data.train, opts);
  }
  const fit_s = (performance.now() - t0) / 1000;

  const t1 = performance.now();
  const contentMap = ContentMap.fit(warm, space.itemVectors(), space.factors, { shrinkage: opts.shrinkage, spread: opts.spread });
  const map_fit_s = (performance.now() - t1) / 1000;

  const index = MemoryIndex.fromArrays(warm, space.itemVectors(), space.factors);
  const store = new ItemStore(warm);
  const isWarm = (id: string) => data.train.items.get(id) !== undefined;
  const onboarding = new ItemOnboarding(index, store, contentMap, isWarm, { append() {} }, opts.describer?.(warm));
  const cold = data.cold.map(contentOf);
  const sources: Record<string, number> = {};
  let usage = NO_USAGE;
  for (const item of cold) {
    const { described } = await onboarding.create(onboardingInput(item, opts.coldContent ?? "all"));
    if (!described) continue;
    const source = described.fallback && described.fallback !== "disabled" ? `${described.source} (${described.fallback})` : described.source;
    sources[source] = (sources[source] ?? 0) + 1;
    usage = addUsage(usage, described.usage);
  }

  const scorer: CandidateScorer = isFactorRecommender(model) ? new IndexScorer(model, index) : new DenseScorer(model, space, warmIds, store);
  const positions = ranking === "all" ? [...warmIds, ...data.cold] : data.cold;
  // Every item's score, ranked by the protocol's tie rule, then the service's bound applied to the ranking.
  const serve = (scores: Float64Array, history: readonly ItemWeight[]) => {
    if (ranking === "cold") return rankCold(scores);
    const order = rankAll(excludeSeen(scores, history), scores.length);
    if (opts.maxOnboardedShare === undefined) return order.slice(0, COLD_K);
    return boundOnboarded(order, onboardedSlots(COLD_K, opts.maxOnboardedShare), (p) => p >= warmIds.length).kept.slice(0, COLD_K);
  };
  const lists: number[][] = [];
  for (const user of data.testUsers) {
    const history = historyOf(data, user);
    lists.push(serve(await scoresOf(scorer, history, positions, warmIds.length + data.cold.length), history));
  }
  const n = positions.length;
  const metricsOf = (ranked: number[][]) => (ranking === "all" ? mixedMetrics(data.relevant, ranked, warmIds.length, data.cold.length) : coldMetrics(data.relevant, ranked));
  const next = mulberry32(42);
  const affinity = genreAffinityScores(data.train.matrix, data.testUsers, warm, cold, ranking);
  // The baselines as the protocol defines them: no bound.
  const baseline = (scores: (j: number) => Float64Array) =>
    metricsOf(Array.from(data.testUsers, (user, j) => (ranking === "all" ? rankAll(excludeSeen(scores(j), historyOf(data, user))) : rankCold(scores(j)))));
  return {
    test_users: data.testUsers.length,
    cold_items: cold.length,
    metrics: metricsOf(lists),
    ranking,
    cold_content: opts.coldContent ?? "all",
    model: spec.name,
    warm_items: warm.length,
    fit_s,
    map_fit_s,
    baselines: {
      random: baseline(() => Float64Array.from({ length: n }, next)),
      genre_affinity: baseline((j) => affinity.subarray(j * n, (j + 1) * n)),
    },
    ...(Object.keys(sources).length > 0 && { metadata: { sources, usage } }),
  };
}

/** A train user's history as the model indexes it. */
export function historyOf(data: ColdData, user: number): ItemWeight[] {
  const { indptr, indices, values } = data.train.matrix;
  const out: ItemWeight[] = [];
  for (let p = indptr[user]; p < indptr[user + 1]; p++) out.push({ item: indices[p], weight: values[p] });
  return out;
}

/** The user's own train items (warm positions = model indices) can never be recommended: -Infinity. */
function excludeSeen(scores: Float64Array, history: readonly ItemWeight[]): Float64Array {
  const out = scores.slice();
  for (const h of history) out[h.item] = -Infinity;
  return out;
}

/** Scores by position in `ids`, as the service's scorer gives them (every item retrieved; one missing scores -Infinity). */
async function scoresOf(scorer: CandidateScorer, history: ItemWeight[], ids: readonly string[], catalogSize: number): Promise<Float64Array> {
  const found = await scorer.retrieve(history, catalogSize, {});
  const byId = new Map(found.map((s) => [s.item.id, s.score]));
  return Float64Array.from(ids, (id) => byId.get(id) ?? -Infinity);
}
