/**
 * P2 warming: how fast an onboarded item's interactions take over from its content. The cold items of P2 are
 * onboarded from their content (as in eval-cold), then the first n users to rate each of them (in time order)
 * send feedback, through the service's ItemWarming, and the cold items are ranked for every test user again.
 * A level n is scored on each item's ratings after its first n raters (the revealed users' own cold items left
 * out of their lists: they have seen them), for content alone, warming, and an ALS retrained with the revealed
 * pairs, all on the same pairs.
 */
import { ItemStore } from "../agent/item-store.ts";
import { applyCatalogChanges, ItemOnboarding } from "../agent/onboarding.ts";
import { IndexScorer } from "../agent/scoring/index-scorer.ts";
import { ItemWarming } from "../agent/warming.ts";
import type { InteractionRow, Item } from "../core/types.ts";
import { Interactions } from "../data/interactions.ts";
import { MemoryIndex } from "../index/memory.ts";
import { dot } from "../numeric/vectors.ts";
import { AlsRecommender, alsSpec } from "../models/als.ts";
import { ContentMap } from "../models/content-map.ts";
import { type FitOptions, isItemFoldIn, type Params, type Recommender } from "../models/recommender.ts";
import { type ModelSpec, resolveParams } from "../models/spec.ts";
import { InputError } from "../core/errors.ts";
import { type ColdData, type ColdMetrics, coldMetrics, rankAll } from "./cold.ts";
import { type ColdContent, historyOf, onboardingInput } from "./cold-onboarding.ts";

export interface WarmingOptions extends FitOptions {
  /** Users revealed per cold item, one evaluation per level (0: content alone). */
  revealed: readonly number[];
  /** ItemWarming's priorUsers values to compare. */
  priorUsers: readonly number[];
  coldContent?: ColdContent;
  /** The model whose item space onboarded items live in (ALS when absent); it must place items from interactions (ItemFoldIn). */
  model?: ModelSpec<Recommender>;
  /** Its hyper-parameters (its defaults when absent). The retrained reference is always ALS at its defaults. */
  params?: Params;
}

/** One level: the first `revealed` raters of every cold item sent feedback; scored on each item's later raters. */
export interface WarmingLevel {
  revealed: number;
  test_users: number;
  /** Cold items with raters after the revealed ones. */
  scored_items: number;
  /** No feedback used: every cold item at its content vector. */
  content: ColdMetrics;
  warming: Array<{ prior_users: number; metrics: ColdMetrics }>;
  /** ALS retrained with the revealed pairs, ranking the cold items by its own vectors (no content): what warming approximates. */
  retrain: ColdMetrics;
}

export interface WarmingReport {
  model: string;
  cold_items: number;
  levels: WarmingLevel[];
  fit_s: number;
}

/**
 * `ratings` are the rows that say who rated each cold item when (every rating for test, the train rows for a
 * validation carve-out); `contentOf(id)` what is known about an item at onboarding.
 */
export async function evaluateWarming(data: ColdData, ratings: readonly InteractionRow[], contentOf: (id: string) => Item, opts: WarmingOptions): Promise<WarmingReport> {
  const t0 = performance.now();
  const spec = opts.model ?? alsSpec;
  const model = spec.create(opts.params ?? resolveParams(spec));
  if (!isItemFoldIn(model)) throw new InputError(`eval-warm: model ${spec.name} cannot place an item from its interactions (no ItemEvidence); use als, bpr, sasrec or twotower`);
  const warmIds = data.train.items.toArray();
  const warm = warmIds.map(contentOf);
  await model.fit(data.train, { ...opts, items: warm });
  const fit_s = (performance.now() - t0) / 1000;
  const contentMap = ContentMap.fit(warm, model.itemVectors(), model.factors);

  const raters = ratersInTimeOrder(data, ratings);
  const histories = Array.from({ length: data.train.userCount }, (_, u) => historyOf(data, u));
  const userVectors = new Map<number, Float32Array>();
  const userVector = (u: number) => userVectors.get(u) ?? userVectors.set(u, model.foldIn(histories[u])).get(u)!;
  const contentVectors = await placeColdItems(data, warm, contentOf, model.factors, contentMap, opts.coldContent ?? "metadata");
  const isTrained = (id: string) => data.train.items.get(id) !== undefined;
  const position = new Map(data.cold.map((id, p) => [id, p]));
  const userRow = new Map(Array.from(data.testUsers, (u, j) => [u, j]));

  /** Each scored user's ranking of the cold items served with `revealed` raters' feedback per item (none without `priorUsers`). */
  const servedLists = async (revealed: number, priorUsers: number | undefined, scored: Scored): Promise<number[][]> => {
    const index = MemoryIndex.fromArrays(warm, model.itemVectors(), model.factors);
    const store = new ItemStore(warm);
    const warming = priorUsers === undefined ? undefined : new ItemWarming({ index, store, space: model, isTrained, priorUsers, userVector: (id) => userVector(Number(id)) });
    const changes = data.cold.map((id, p) => ({ op: "put" as const, item: contentOf(id), vector: Array.from(contentVectors[p]) }));
    await applyCatalogChanges(changes, index, store, isTrained, warming);
    if (warming) {
      raters.forEach((users, p) => users.slice(0, revealed).forEach((u) => warming.observe({ userId: String(u), itemId: data.cold[p], weight: 1, ts: 0 })));
      await warming.flush();
    }
    const scorer = new IndexScorer(model, index);
    const lists: number[][] = [];
    for (const j of scored.users) {
      const found = await scorer.retrieve(histories[data.testUsers[j]], warm.length + data.cold.length, {});
      const scores = new Float64Array(data.cold.length).fill(-Infinity);
      for (const s of found) {
        const p = position.get(s.item.id);
        if (p !== undefined && !scored.hidden[j].has(p)) scores[p] = s.score;
      }
      lists.push(rankAll(scores));
    }
    return lists;
  };

  const levels: WarmingLevel[] = [];
  for (const revealed of opts.revealed) {
    // A revealed user's pairs are never relevant and never ranked for that user: they have seen those items.
    const hidden = Array.from(data.testUsers, () => new Set<number>());
    raters.forEach((users, p) => users.slice(0, revealed).forEach((u) => userRow.has(u) && hidden[userRow.get(u)!].add(p)));
    const relevant = data.relevant.map((set, j) => new Set([...set].filter((p) => !hidden[j].has(p))));
    const scored: Scored = { users: relevant.flatMap((set, j) => (set.size > 0 ? [j] : [])), hidden };
    const metrics = (lists: number[][]) => coldMetrics(scored.users.map((j) => relevant[j]), lists);
    const warming = [];
    for (const priorUsers of opts.priorUsers) warming.push({ prior_users: priorUsers, metrics: metrics(await servedLists(revealed, priorUsers, scored)) });
    levels.push({
      revealed,
      test_users: scored.users.length,
      scored_items: raters.filter((r) => r.length > revealed).length,
      content: metrics(await servedLists(revealed, undefined, scored)),
      warming,
      retrain: metrics(await retrainedLists(data, raters, revealed, scored)),
    });
  }
  return { model: spec.name, cold_items: data.cold.length, levels, fit_s };
}

/** The test users (rows of data.testUsers) with pairs left to score at a level, and each one's hidden cold items. */
interface Scored {
  users: number[];
  hidden: ReadonlyArray<ReadonlySet<number>>;
}

/** Each kept user's ranking of the cold items by an ALS retrained on the train rows and the first `revealed` raters' pairs. */
async function retrainedLists(data: ColdData, raters: readonly number[][], revealed: number, scored: Scored): Promise<number[][]> {
  const { users, items, matrix } = data.train;
  const rows: InteractionRow[] = [];
  for (let u = 0; u < data.train.userCount; u++) {
    for (let p = matrix.indptr[u]; p < matrix.indptr[u + 1]; p++) rows.push({ user: users.id(u), item: items.id(matrix.indices[p]), value: matrix.values[p], timestamp: 0 });
  }
  raters.forEach((list, p) => list.slice(0, revealed).forEach((u) => rows.push({ user: users.id(u), item: data.cold[p], value: 1, timestamp: 0 })));
  const all = Interactions.fromRows(rows);
  const als = new AlsRecommender(resolveParams(alsSpec));
  await als.fit(all);
  const f = als.factors;
  const vectors = als.itemVectors();
  return scored.users.map((j) => {
    const history = historyOf(data, data.testUsers[j]).map((h) => ({ item: all.items.get(items.id(h.item))!, weight: h.weight }));
    const user = als.foldIn(history);
    const scores = Float64Array.from(data.cold, (id, p) => {
      const i = all.items.get(id);
      return i === undefined || scored.hidden[j].has(p) ? -Infinity : dot(user, vectors.subarray(i * f, (i + 1) * f));
    });
    return rankAll(scores);
  });
}

/** Each cold item's content vector, placed by the service's onboarding path (as eval-cold does). */
async function placeColdItems(data: ColdData, warm: readonly Item[], contentOf: (id: string) => Item, factors: number, map: ContentMap, content: ColdContent): Promise<Float32Array[]> {
  const index = new MemoryIndex(factors);
  const onboarding = new ItemOnboarding(index, new ItemStore(warm), map, () => false, { append() {} });
  const out: Float32Array[] = [];
  for (const id of data.cold) {
    await onboarding.create(onboardingInput(contentOf(id), content));
    out.push((await index.get(id))!.vector);
  }
  return out;
}

/** For each cold item (list order), the dense train users who rated it, first rating first (ties by row order). */
function ratersInTimeOrder(data: ColdData, ratings: readonly InteractionRow[]): number[][] {
  const position = new Map(data.cold.map((id, p) => [id, p]));
  const rows = ratings.map((r, t) => ({ r, t })).filter(({ r }) => position.has(r.item) && data.train.users.get(r.user) !== undefined);
  rows.sort((a, b) => a.r.timestamp - b.r.timestamp || a.t - b.t);
  const out = data.cold.map(() => [] as number[]);
  for (const { r } of rows) {
    const list = out[position.get(r.item)!];
    const u = data.train.users.get(r.user)!;
    if (!list.includes(u)) list.push(u);
  }
  return out;
}
