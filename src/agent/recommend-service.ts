import { NotFoundError } from "../core/errors.ts";
import type { Item, ItemWeight } from "../core/types.ts";
import type { IdMap } from "../data/idmap.ts";
import { compileFilter } from "../index/filter.ts";
import type { Filter, Scored } from "../index/types.ts";
import type { Recency } from "../models/recency.ts";
import type { FactorRecommender, Recommender } from "../models/recommender.ts";
import { explainsByAttention } from "../models/sasrec.ts";
import { type HistoryEvent, type HistoryStore, toModelHistory } from "./history.ts";
import type { ItemStore } from "./item-store.ts";
import type { CandidateScorer } from "./scoring/types.ts";
import type { SimilarItems } from "./scoring/similar-items.ts";
import { disabledLlmClient } from "../llm/openai-client.ts";
import { type LlmClient, type LlmUsage, NO_USAGE } from "../llm/types.ts";
import { type ListwiseOptions, listwiseRerank } from "../ranking/llm-listwise.ts";
import { mmr } from "../ranking/mmr.ts";
import type { Candidate, HistoryItem, Served } from "../ranking/types.ts";
import { dot, unitRows } from "../numeric/vectors.ts";

export interface RecommendRequest {
  userId?: string;
  history?: readonly HistoryEvent[];
  k: number;
  filter?: Filter;
  excludeSeen: boolean;
  /** MMR trade-off in [0, 1]: 0 ranks by relevance alone, 1 by novelty against the items already picked. */
  diversity?: number;
  /** "llm": listwise LLM re-ranking of the retrieved candidates (falls back to retrieval order, labelled). */
  rerank?: "none" | "llm";
  /** Milliseconds the LLM re-ranking may take, when less than its configured deadline. */
  rerankBudgetMs?: number;
  signal?: AbortSignal;
}

export interface RecommendedItem extends Item {
  score: number;
  /** Titles of the history items most similar to this one, best first. */
  reasons: string[];
}

/** personalized: a known user's stored history; fold-in: a history the model never saw; popular: no usable history. */
export type Strategy = "personalized" | "fold-in" | "popular";

export interface Recommendations {
  items: RecommendedItem[];
  strategy: Strategy;
  /** Which ranker ordered the items, and why when it is not the one asked for. */
  served: Served;
  /** LLM tokens and calls this request spent. */
  usage: LlmUsage;
}

export interface ServiceModel {
  /** The trained model (any kind); `scorer` serves it. */
  model: Recommender;
  /** Finds the best items for a weighted history: through the vector index or by scoring the catalog. */
  scorer: CandidateScorer;
  /**
   * A factor space holding every item, onboarded ones included (their content vectors): the model itself
   * when it is a factor model, else a companion. MMR and reasons compare items there.
   */
  space: FactorRecommender;
  similar: SimilarItems;
  /** Dense model index <-> item id. */
  items: IdMap;
  /** Item ids by decreasing popularity in the training data: the answer for a user with no history. */
  popular: readonly string[];
  /** How history events are weighted by recency (chosen on validation when the model was trained). */
  recency: Recency;
}

const REASONS = 2;
/** How many candidates MMR chooses from, per item asked for. */
const MMR_POOL = 4;
/** The LLM re-ranks at least this many candidates (one listwise window), then the list is cut to k. */
const RERANK_POOL = 20;

export interface RerankSettings {
  llm: LlmClient;
  options?: ListwiseOptions;
}

/** Retrieve (vector query with filters pushed down) -> diversify (MMR) -> re-rank (LLM) -> explain (reasons). */
export class RecommendService {
  constructor(
    private readonly m: ServiceModel,
    private readonly histories: HistoryStore,
    private readonly catalog: ItemStore,
    private readonly rerank: RerankSettings = { llm: disabledLlmClient() },
  ) {}

  get modelName(): string {
    return this.m.model.name;
  }

  /** "index" or "dense": how the model is served (CandidateScorer). */
  get scorerKind(): CandidateScorer["kind"] {
    return this.m.scorer.kind;
  }

  async recommend(req: RecommendRequest): Promise<Recommendations> {
    const stored = req.userId === undefined ? [] : this.histories.get(req.userId);
    const history = [...stored, ...inTimeOrder(req.history ?? [])];
    const known = toModelHistory(history, this.m.items, this.m.recency);
    const excludeIds = [...(req.filter?.excludeIds ?? []), ...(req.excludeSeen ? history.map((h) => h.itemId) : [])];
    const filter: Filter = { ...req.filter, excludeIds };
    if (known.length === 0) return { items: this.popular(req.k, filter), strategy: "popular", served: { ranker: "retrieval" }, usage: NO_USAGE };

    const diversity = req.diversity ?? 0;
    const llm = req.rerank === "llm";
    const wanted = llm ? Math.max(req.k, RERANK_POOL) : req.k;
    const pool = diversity > 0 ? Math.min(wanted * MMR_POOL, 400) : wanted;
    let found = await this.m.scorer.retrieve(known, pool, filter);
    const vectors = this.vectorsOf(found.map((s) => s.item.id));
    if (diversity > 0) found = mmr(found, vectors, wanted, diversity);
    let served: Served = { ranker: diversity > 0 ? "mmr" : "retrieval" };
    let usage = NO_USAGE;
    if (llm) {
      const ranking = await listwiseRerank(this.rerank.llm, { history: this.historyItems(history), signal: req.signal, deadlineMs: req.rerankBudgetMs }, found.map(toCandidate), this.rerank.options);
      found = ranking.order.map((i, r) => ({ item: found[i].item, score: ranking.scores[r] }));
      ({ served, usage } = ranking);
    }
    const historyVectors = unitVectors(this.vectorsOf(history.map((h) => h.itemId)));
    const attention = this.attentionOver(known);
    const items = found.slice(0, req.k).map((s) => ({
      ...s.item,
      score: s.score,
      reasons: this.explain(vectors.get(s.item.id), historyVectors, attention),
    }));
    const strategy: Strategy = req.userId !== undefined && stored.length > 0 && !req.history?.length ? "personalized" : "fold-in";
    return { items, strategy, served, usage };
  }

  /** The k items most like this one (SimilarItems: cosine in the item space, so popularity does not crowd them). */
  async similar(itemId: string, k: number): Promise<Scored[]> {
    if (!this.catalog.has(itemId)) throw new NotFoundError(`item "${itemId}" does not exist`);
    return this.m.similar.of(itemId, k);
  }

  private popular(k: number, filter: Filter): RecommendedItem[] {
    const out: RecommendedItem[] = [];
    const matches = compileFilter(filter);
    for (let r = 0; r < this.m.popular.length && out.length < k; r++) {
      const id = this.m.popular[r];
      const item = this.catalog.get(id);
      if (item && matches(item)) out.push({ ...item, score: this.m.popular.length - r, reasons: [] });
    }
    return out;
  }

  /** Vectors by id in the item space: trained items' rows, the stored content vector for onboarded ones. */
  private vectorsOf(ids: readonly string[]): Map<string, Float32Array> {
    const f = this.m.space.factors;
    const all = this.m.space.itemVectors();
    const out = new Map<string, Float32Array>();
    for (const id of ids) {
      const dense = this.m.items.get(id);
      const v = dense !== undefined ? all.subarray(dense * f, (dense + 1) * f) : this.catalog.onboardedVector(id);
      if (v) out.set(id, v);
    }
    return out;
  }

  /** What the LLM sees of a history, oldest first; items deleted since are left out. */
  private historyItems(history: readonly HistoryEvent[]): HistoryItem[] {
    const out: HistoryItem[] = [];
    for (const h of history) {
      const item = this.catalog.get(h.itemId);
      if (item) out.push({ id: item.id, title: item.title, year: item.year, genres: item.genres });
    }
    return out;
  }

  /**
   * For a model that attends over the history (SASRec): how much its last position attended to each history
   * item, by id (summed over repeats); items outside what it read get nothing. Undefined for other models.
   */
  private attentionOver(known: readonly ItemWeight[]): Map<string, number> | undefined {
    if (!explainsByAttention(this.m.model)) return undefined;
    const out = new Map<string, number>();
    for (const a of this.m.model.attentionOver(known)) {
      const id = this.m.items.id(a.item);
      out.set(id, (out.get(id) ?? 0) + a.weight);
    }
    return out;
  }

  /**
   * Titles of the history items most similar to a recommended item; with the model's attention, the cosine is
   * weighted by it, so the reasons are the items the model leaned on ("because you just watched X") that
   * resemble this recommendation.
   */
  private explain(vector: Float32Array | undefined, history: readonly UnitVector[], attention?: ReadonlyMap<string, number>): string[] {
    const norm = vector ? Math.sqrt(dot(vector, vector)) : 0;
    if (!vector || norm === 0) return [];
    // The REASONS most similar history items with a positive cosine, best first (ties: earlier in the history).
    const best: Array<{ id: string; sim: number }> = [];
    for (const h of history) {
      const sim = (dot(vector, h.unit) / norm) * (attention ? (attention.get(h.id) ?? 0) : 1);
      if (sim <= 0 || (best.length === REASONS && sim <= best[REASONS - 1].sim)) continue;
      let at = best.length;
      while (at > 0 && best[at - 1].sim < sim) at--;
      best.splice(at, 0, { id: h.id, sim });
      if (best.length > REASONS) best.pop();
    }
    return best.map((x) => this.catalog.get(x.id)?.title ?? x.id);
  }
}

interface UnitVector {
  id: string;
  unit: Float32Array;
}

/** Vectors scaled to unit length once per request, so each reason costs one dot product per history item. */
function unitVectors(vectors: Map<string, Float32Array>): UnitVector[] {
  const out: UnitVector[] = [];
  for (const [id, v] of vectors) {
    // A zero vector (no signal) would only give cosines of 0, which never become reasons.
    if (dot(v, v) > 0) out.push({ id, unit: unitRows(v, v.length) });
  }
  return out;
}

function toCandidate(s: Scored): Candidate {
  return { id: s.item.id, title: s.item.title, year: s.item.year, genres: s.item.genres, score: s.score };
}

/** A request's history as given (oldest first), or by `ts` when every event carries one. */
function inTimeOrder(history: readonly HistoryEvent[]): readonly HistoryEvent[] {
  if (history.length < 2 || !history.every((h) => h.ts !== undefined)) return history;
  return history.map((h, t) => ({ h, t })).sort((a, b) => a.h.ts! - b.h.ts! || a.t - b.t).map((x) => x.h);
}
