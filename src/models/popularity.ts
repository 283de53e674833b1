import type { ItemWeight } from "../core/types.ts";
import type { Interactions } from "../data/interactions.ts";
import type { ModelArtifact, Params, Recommender } from "./recommender.ts";
import type { ModelSpec } from "./spec.ts";

/** Number of distinct users per item: the baseline every personalised model must beat. */
export class Popularity implements Recommender {
  readonly name = "pop";
  private counts: Float32Array = new Float32Array(0);

  constructor(readonly params: Params = {}) {}

  get itemCount(): number {
    return this.counts.length;
  }

  async fit(data: Interactions): Promise<void> {
    const byItem = data.byItem;
    this.counts = new Float32Array(byItem.rows);
    for (let i = 0; i < byItem.rows; i++) {
      for (let p = byItem.indptr[i]; p < byItem.indptr[i + 1]; p++) if (byItem.values[p] > 0) this.counts[i]++;
    }
  }

  scoreUsers(users: Int32Array, out: Float32Array): void {
    for (let j = 0; j < users.length; j++) out.set(this.counts, j * this.counts.length);
  }

  scoreHistory(_history: readonly ItemWeight[], out: Float32Array): void {
    out.set(this.counts);
  }

  scoreSimilar(_item: number, out: Float32Array): void {
    out.set(this.counts);
  }

  toArtifact(): ModelArtifact {
    return { model: this.name, params: this.params, arrays: { counts: this.counts } };
  }

  static restore(a: ModelArtifact): Popularity {
    const m = new Popularity(a.params);
    m.counts = a.arrays.counts as Float32Array;
    return m;
  }
}

export const popularitySpec: ModelSpec<Popularity> = {
  name: "pop",
  summary: "most popular items (distinct users per item)",
  params: {},
  create: (params) => new Popularity(params),
  restore: Popularity.restore,
};
