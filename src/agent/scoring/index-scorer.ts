import type { ItemWeight } from "../../core/types.ts";
import type { Filter, Scored, VectorIndex } from "../../index/types.ts";
import type { FactorRecommender } from "../../models/recommender.ts";
import { boundOnboarded, type OnboardedBound, onboardedSlots } from "./onboarded-bound.ts";
import type { CandidateScorer } from "./types.ts";

/**
 * A factor model served by its vector index: fold the history into a user vector, query the index with the
 * filter. Onboarded items sit in the index with their (calibrated) content vectors and compete on score; with
 * a bound, those beyond their share of the k slots are excluded and the query repeated to fill the list.
 */
export class IndexScorer implements CandidateScorer {
  readonly kind = "index";
  constructor(
    private readonly model: FactorRecommender,
    private readonly index: VectorIndex,
    private readonly bound?: OnboardedBound,
  ) {}

  async retrieve(history: readonly ItemWeight[], k: number, filter: Filter): Promise<Scored[]> {
    const user = this.model.foldIn(history);
    let found = await this.index.query(user, { k, filter });
    if (!this.bound) return found;
    const slots = onboardedSlots(k, this.bound.maxShare);
    const excluded = [...(filter.excludeIds ?? [])];
    for (;;) {
      const { dropped } = boundOnboarded(found, slots, (s) => this.bound!.isOnboarded(s.item.id));
      if (dropped.length === 0) return found;
      // Each round excludes at least one more item, so this ends; one round is the usual case.
      excluded.push(...dropped.map((s) => s.item.id));
      found = await this.index.query(user, { k, filter: { ...filter, excludeIds: excluded } });
    }
  }
}
