import type { ItemWeight } from "../../core/types.ts";
import type { Filter, Scored } from "../../index/types.ts";

/**
 * How the service finds the best items for a weighted history: the one place that knows whether a model is
 * served through the vector index or scores the catalog itself. Routes and RecommendService never ask.
 */
export interface CandidateScorer {
  /**
   * "index": a factor model's user vector queried against the vector index (any catalog size);
   * "dense": the model scores every trained item (item-item models, blends), onboarded items calibrated in.
   */
  readonly kind: "index" | "dense";
  /** The k best items matching `filter`, best first; fewer only when fewer match. History items are model indices. */
  retrieve(history: readonly ItemWeight[], k: number, filter: Filter): Promise<Scored[]>;
}
