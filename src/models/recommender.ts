import type { Item, ItemWeight } from "../core/types.ts";
import type { Interactions } from "../data/interactions.ts";

export interface FitOptions {
  /** Called as training advances; `total` is fixed for one fit (e.g. iterations or epochs). */
  onProgress?: (done: number, total: number) => void;
  /**
   * The catalog entry of each item, in the model's item order (data.items); undefined where unknown. Models
   * that read content (twotower) use it; the others ignore it.
   */
  items?: readonly (Item | undefined)[];
  /** Models trained in epochs report each one (loss, validation metric, seconds). */
  onEpoch?: (e: EpochReport) => void;
  /** The process's CPU seconds so far (Node: process.cpuUsage), for EpochReport.cpuSeconds; models cannot read it themselves on every runtime. */
  cpuClock?: () => number;
}

/** One training epoch of an epoch-trained model. */
export interface EpochReport {
  /** "validate": training on train minus a validation carve-out to choose the epoch count; "final": on all of it. */
  phase: "validate" | "final";
  epoch: number;
  /** Mean training loss over the epoch's batches. */
  loss: number;
  /** The validation metric after this epoch (phase "validate"). */
  validation?: number;
  /** Wall seconds of the epoch's training steps (validation scoring excluded). */
  seconds: number;
  /** CPU seconds of the process over the same steps, when FitOptions.cpuClock is given. */
  cpuSeconds?: number;
}

/** Hyper-parameters are plain numbers so they can come from `--set key=value` and go into a JSON header. */
export type Params = Readonly<Record<string, number>>;

/** What `save`/`load` moves: a JSON-safe header and named binary arrays. */
export interface ModelArtifact {
  model: string;
  params: Params;
  /** Anything else the model needs to come back (counts, means); JSON-safe. */
  meta?: Record<string, unknown>;
  arrays: Record<string, Float32Array | Int32Array>;
}

/**
 * One interface for every top-N model over implicit feedback. Users and items are the dense indices of the
 * Interactions the model was fitted on.
 */
export interface Recommender {
  readonly name: string;
  readonly params: Params;
  readonly itemCount: number;
  fit(data: Interactions, opts?: FitOptions): Promise<void>;
  /** Writes the scores of every item for each user: row j of `out` (users.length x itemCount) is users[j]. */
  scoreUsers(users: Int32Array, out: Float32Array): void;
  /** Fold-in: scores of every item for a history the model never saw, without refitting. */
  scoreHistory(history: readonly ItemWeight[], out: Float32Array): void;
  /** Scores of every item by similarity to `item` (higher is more similar); `out[item]` itself is ignored by callers. */
  scoreSimilar(item: number, out: Float32Array): void;
  toArtifact(): ModelArtifact;
}

/** A model whose scores are dot products of user and item vectors: what a vector index can serve. */
export interface FactorRecommender extends Recommender {
  readonly factors: number;
  /** itemCount x factors, row-major. */
  itemVectors(): Float32Array;
  /** The user vector for a history the model never saw (for ALS one least-squares solve). */
  foldIn(history: readonly ItemWeight[]): Float32Array;
}

export function isFactorRecommender(m: Recommender): m is FactorRecommender {
  return typeof (m as FactorRecommender).itemVectors === "function";
}

/** What an item is known by before anyone has interacted with it. */
export type ItemContentInput = Pick<Item, "title"> & Partial<Pick<Item, "year" | "genres" | "tags" | "text" | "attributes">>;

/**
 * A model that places an item in its own item space from content alone (no interactions, no id embedding):
 * an onboarded item then competes with the trained items on the model's own scale.
 */
export interface ContentEncoder {
  /** A vector of length `factors`, comparable with rows of itemVectors(). */
  encodeContent(item: ItemContentInput): Float32Array;
}

export function isContentEncoder(m: Recommender): m is Recommender & ContentEncoder {
  return typeof (m as Partial<ContentEncoder>).encodeContent === "function";
}

/**
 * What a model learns about an item from the users who interacted with it, their vectors held fixed: the
 * item's half of a training step, for an item training never saw (an onboarded one). Evidence accumulates one
 * interaction at a time, so it costs the same however many have arrived.
 */
export interface ItemEvidence {
  /** One interaction of a user (vector in the model's user space) with the item; `firstFromUser` once per user. */
  add(user: Float32Array, weight: number, firstFromUser: boolean): void;
  /** The item vector training would give it from this evidence alone, comparable with rows of itemVectors(). */
  solve(): Float32Array;
}

/** A factor model that can place an item from its interactions (ItemEvidence). */
export interface ItemFoldIn {
  itemEvidence(): ItemEvidence;
}

export function isItemFoldIn(m: Recommender): m is FactorRecommender & ItemFoldIn {
  return isFactorRecommender(m) && typeof (m as Partial<ItemFoldIn>).itemEvidence === "function";
}

/** Explicit-feedback models (protocol P3): predict the value a user would give an item. */
export interface RatingModel {
  readonly name: string;
  readonly params: Params;
  /** `data` must carry raw values (ValueTransform "raw"). */
  fit(data: Interactions, opts?: FitOptions): Promise<void>;
  /** `user` or `item` may be -1 for an id the model never saw: the model falls back to what it knows. */
  predict(user: number, item: number): number;
  toArtifact(): ModelArtifact;
}
