import type { FitOptions, Params, Recommender } from "../models/recommender.ts";
import { type Recency, recencyIsOn } from "../models/recency.ts";
import { recommend } from "../models/recommend.ts";
import type { ModelSpec } from "../models/spec.ts";
import { genreDiversity, itemPopularity, longTailShare, novelty, shortHead } from "./beyond.ts";
import { hitRate, mrr, ndcg, precision, recall } from "./metrics.ts";
import { type P1Data, topRow } from "./p1.ts";

/** The list length scored for every test user; K = 10 and K = 20 metrics are read from it. */
const LIST_LENGTH = 20;

export interface TopNReport {
  model: string;
  params: Params;
  /** Present when histories were weighted by recency at scoring time. */
  recency?: Recency;
  users: number;
  items: number;
  /** Wall seconds of training. */
  fit_s: number;
  /** Wall seconds to produce the top-20 of every test user. */
  rec_s: number;
  metrics: Record<string, number>;
  /** Beyond accuracy, on the top-10 lists. */
  beyond: { novelty: number; "long_tail@10": number; "genre_ild@10"?: number };
}

export interface TopNOptions extends FitOptions {
  /** Genres per dense item index, for intra-list diversity; omitted when the catalog has none. */
  genresOf?: (item: number) => ReadonlySet<string>;
  /** Weight each test user's training history by recency when scoring (needs train ages; see Interactions). */
  recency?: Recency;
}

/** Fits the model on the train part of `data` and scores it by protocol P1. */
export async function evaluateTopN(spec: ModelSpec<Recommender>, params: Params, data: P1Data, opts: TopNOptions = {}): Promise<TopNReport> {
  const model = spec.create(params);
  const t0 = performance.now();
  await model.fit(data.train, opts);
  const fit_s = (performance.now() - t0) / 1000;
  return { ...scoreTopN(model, data, opts), model: spec.name, params, fit_s };
}

/** Protocol P1 for a model already fitted on data.train (fit_s left at 0 for the caller to fill). */
export function scoreTopN(model: Recommender, data: P1Data, opts: TopNOptions = {}): TopNReport {
  const recency = opts.recency && recencyIsOn(opts.recency) ? opts.recency : undefined;
  if (recency && !data.train.ages) throw new Error("recency weighting needs the training entries' ages (Interactions.fromRows)");
  const t1 = performance.now();
  const top = recommend(model, data.testUsers, LIST_LENGTH, data.train.matrix, recency && { matrix: data.train.matrix, ages: data.train.ages!, recency });
  const rec_s = (performance.now() - t1) / 1000;
  const lists = Array.from(data.testUsers, (_, j) => topRow(top, j));
  const top10 = lists.map((l) => l.subarray(0, 10));
  const popularity = itemPopularity(data.train.byItem);
  return {
    model: model.name,
    params: model.params,
    ...(recency ? { recency } : {}),
    users: data.testUsers.length,
    items: data.train.itemCount,
    fit_s: 0,
    rec_s,
    metrics: rankingMetrics(data, lists),
    beyond: {
      novelty: novelty(top10, popularity, data.train.userCount),
      "long_tail@10": longTailShare(top10, shortHead(popularity)),
      ...(opts.genresOf ? { "genre_ild@10": genreDiversity(top10, opts.genresOf) } : {}),
    },
  };
}

/** Metrics in the order protocol P1 reports them, averaged over test users. */
export function rankingMetrics(data: P1Data, lists: readonly Int32Array[]): Record<string, number> {
  const mean = (f: (rel: Set<number>, list: Int32Array) => number) =>
    lists.reduce((acc, list, j) => acc + f(data.relevant[j], list), 0) / lists.length;
  return {
    "precision@10": mean((rel, l) => precision(rel, l, 10)),
    "recall@10": mean((rel, l) => recall(rel, l, 10)),
    "ndcg@10": mean((rel, l) => ndcg(rel, l, 10)),
    "hit@10": mean((rel, l) => hitRate(rel, l, 10)),
    "mrr@10": mean((rel, l) => mrr(rel, l, 10)),
    "coverage@10": coverage(lists, 10, data.train.itemCount),
    "recall@20": mean((rel, l) => recall(rel, l, 20)),
    "ndcg@20": mean((rel, l) => ndcg(rel, l, 20)),
  };
}

function coverage(lists: readonly Int32Array[], k: number, items: number): number {
  const seen = new Set<number>();
  for (const list of lists) for (let r = 0; r < Math.min(k, list.length); r++) if (list[r] >= 0) seen.add(list[r]);
  return seen.size / items;
}
