import type { ItemWeight } from "../../core/types.ts";
import type { Filter, Scored, VectorIndex } from "../../index/types.ts";
import type { FactorRecommender } from "../../models/recommender.ts";
import type { CandidateScorer } from "./types.ts";

/** A factor model served by its vector index: fold the history into a user vector, query the index with the filter. */
export class IndexScorer implements CandidateScorer {
  readonly kind = "index";

  constructor(
    private readonly model: FactorRecommender,
    private readonly index: VectorIndex,
  ) {}

  retrieve(history: readonly ItemWeight[], k: number, filter: Filter): Promise<Scored[]> {
    return this.index.query(this.model.foldIn(history), { k, filter });
  }
}
