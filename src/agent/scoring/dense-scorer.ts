import type { Item, ItemWeight } from "../../core/types.ts";
import { compileFilter } from "../../index/filter.ts";
import { byScoreThenId } from "../../index/order.ts";
import { copyItem } from "../../index/results.ts";
import { dot } from "../../numeric/vectors.ts";
import type { Filter, Scored } from "../../index/types.ts";
import type { FactorRecommender, Recommender } from "../../models/recommender.ts";
import type { ItemStore } from "../item-store.ts";
import { bestMatching, firstLookFor, mergeBest } from "./best-matching.ts";
import { onboardedSlots } from "./onboarded-bound.ts";
import { RankCalibration } from "./rank-calibration.ts";
import type { CandidateScorer } from "./types.ts";

/**
 * Any model served by scoring every trained item for the history (EASE, item-kNN, blends): no vector index
 * involved. Trained items are checked against the filter in score order (see bestMatching), against the
 * catalog's current metadata, so deletes and metadata updates count at once. Onboarded items have no place in
 * the model; their content vectors live in `space` (a factor model's item space, where the content map puts
 * them), and RankCalibration carries their score there onto the model's scale: an item the space ranks r-th
 * among the trained items ranks r-th among the model's. With `maxOnboardedShare`, at
 * most that share of the k slots (onboardedSlots) goes to onboarded items, the best of them.
 */
export class DenseScorer implements CandidateScorer {
  readonly kind = "dense";
  private readonly scores: Float32Array;
  private readonly calibration: RankCalibration;

  constructor(
    private readonly model: Recommender,
    private readonly space: FactorRecommender,
    private readonly itemIds: readonly string[],
    private readonly catalog: ItemStore,
    private readonly maxOnboardedShare?: number,
  ) {
    this.scores = new Float32Array(model.itemCount);
    this.calibration = new RankCalibration(space.itemVectors(), space.factors);
  }

  async retrieve(history: readonly ItemWeight[], k: number, filter: Filter): Promise<Scored[]> {
    const matches = compileFilter(filter);
    this.model.scoreHistory(history, this.scores);
    const trained = bestMatching(this.scores, k, (i) => {
      const item = this.catalog.get(this.itemIds[i]);
      return item !== undefined && matches(item);
    }).map((i) => ({ item: copyItem(this.catalog.get(this.itemIds[i])!), score: this.scores[i] }));
    let onboarded = this.onboardedCandidates(history, matches, k);
    if (this.maxOnboardedShare !== undefined) onboarded = onboarded.sort(byScoreThenId).slice(0, onboardedSlots(k, this.maxOnboardedShare));
    return mergeBest(trained, onboarded, k);
  }

  private onboardedCandidates(history: readonly ItemWeight[], matches: (item: Item) => boolean, k: number): Scored[] {
    const out: Scored[] = [];
    let toModelScale: ((spaceScore: number) => number) | undefined;
    let user: Float32Array | undefined;
    for (const [id, vector] of this.catalog.onboarded()) {
      const item = this.catalog.get(id);
      if (!item || !matches(item)) continue;
      user ??= this.space.foldIn(history);
      // Matched as deep as the trained items are first looked at (bestMatching).
      toModelScale ??= this.calibration.mapper(user, this.scores, firstLookFor(k));
      out.push({ item: copyItem(item), score: toModelScale(dot(user, vector)) });
    }
    return out;
  }
}
