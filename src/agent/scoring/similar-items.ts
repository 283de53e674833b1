import type { Item } from "../../core/types.ts";
import { copyItem } from "../../index/results.ts";
import type { Scored } from "../../index/types.ts";
import type { FactorRecommender } from "../../models/recommender.ts";
import { createFactorScorer, type FactorScorer } from "../../numeric/factor-scorer.ts";
import { dot, unitRows } from "../../numeric/vectors.ts";
import type { ItemStore } from "../item-store.ts";
import { bestMatching, mergeBest } from "./best-matching.ts";

/**
 * Items like a given one: cosine similarity in the item space, trained and onboarded items alike. A raw dot
 * product would favour items with long vectors, which in a factor model are the popular ones (Toy Story's
 * neighbours were Forrest Gump and Star Wars); cosine compares direction, i.e. who likes the item.
 */
export class SimilarItems {
  private readonly f: number;
  private readonly units: Float32Array;
  private readonly scorer: FactorScorer;
  private readonly scores: Float32Array;
  private readonly rowOf: Map<string, number>;

  constructor(
    space: FactorRecommender,
    private readonly itemIds: readonly string[],
    private readonly catalog: ItemStore,
  ) {
    this.f = space.factors;
    this.units = unitRows(space.itemVectors(), this.f);
    this.scorer = createFactorScorer(this.units, this.f);
    this.scores = new Float32Array(itemIds.length);
    this.rowOf = new Map(itemIds.map((id, i) => [id, i]));
  }

  /** The k most similar items that still exist, best first; empty for an item with no vector. */
  of(itemId: string, k: number): Scored[] {
    const query = this.unitVectorOf(itemId);
    if (!query) return [];
    this.scorer.score(query, 1, this.scores);
    const alive = (id: string): Item | undefined => (id === itemId ? undefined : this.catalog.get(id));
    const trained = bestMatching(this.scores, k, (i) => alive(this.itemIds[i]) !== undefined).map((i) => ({ item: copyItem(alive(this.itemIds[i])!), score: this.scores[i] }));
    const onboarded: Scored[] = [];
    for (const [id, vector] of this.catalog.onboarded()) {
      const item = alive(id);
      const norm = Math.sqrt(dot(vector, vector));
      if (item && norm > 0) onboarded.push({ item: copyItem(item), score: dot(query, vector) / norm });
    }
    return mergeBest(trained, onboarded, k);
  }

  private unitVectorOf(itemId: string): Float32Array | undefined {
    const row = this.rowOf.get(itemId);
    if (row !== undefined) return this.units.subarray(row * this.f, (row + 1) * this.f);
    const vector = this.catalog.onboardedVector(itemId);
    return vector && unitRows(vector, this.f);
  }
}
