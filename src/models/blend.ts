import type { ItemWeight } from "../core/types.ts";
import { finiteMeanAndSd } from "../numeric/vectors.ts";
import type { Interactions } from "../data/interactions.ts";
import type { FitOptions, ModelArtifact, Params, Recommender } from "./recommender.ts";

/**
 * A weighted sum of two models' scores, each standardised per user over the catalog (zero mean, unit
 * variance), since the parts' scales have nothing in common (EASE's regression weights, ALS's dot products).
 * weight is the first part's share: 1 is the first model alone, 0 the second alone.
 */
export class Blend implements Recommender {
  readonly name = "blend";
  readonly params: Params;
  private scratch = new Float32Array(0);

  constructor(
    readonly parts: readonly [Recommender, Recommender],
    readonly weight: number,
  ) {
    this.params = { weight };
  }

  get itemCount(): number {
    return this.parts[0].itemCount;
  }

  async fit(data: Interactions, opts: FitOptions = {}): Promise<void> {
    // Progress runs 0..2: one unit per part.
    await this.parts[0].fit(data, { onProgress: (done, total) => opts.onProgress?.(done / total, 2) });
    await this.parts[1].fit(data, { onProgress: (done, total) => opts.onProgress?.(1 + done / total, 2) });
  }

  scoreUsers(users: Int32Array, out: Float32Array): void {
    this.parts[0].scoreUsers(users, out);
    const other = this.scratchOf(out.length);
    this.parts[1].scoreUsers(users, other);
    this.combine(out, other, users.length);
  }

  scoreHistory(history: readonly ItemWeight[], out: Float32Array): void {
    this.parts[0].scoreHistory(history, out);
    const other = this.scratchOf(out.length);
    this.parts[1].scoreHistory(history, other);
    this.combine(out, other, 1);
  }

  scoreSimilar(item: number, out: Float32Array): void {
    this.parts[0].scoreSimilar(item, out);
    const other = this.scratchOf(out.length);
    this.parts[1].scoreSimilar(item, other);
    this.combine(out, other, 1);
  }

  private scratchOf(length: number): Float32Array {
    if (this.scratch.length < length) this.scratch = new Float32Array(length);
    return this.scratch.subarray(0, length);
  }

  /** out = weight * z(out) + (1 - weight) * z(other), row by row. */
  private combine(out: Float32Array, other: Float32Array, rows: number): void {
    const n = this.itemCount;
    for (let j = 0; j < rows; j++) {
      const a = out.subarray(j * n, (j + 1) * n);
      const b = other.subarray(j * n, (j + 1) * n);
      const [ma, sa] = finiteMeanAndSd(a);
      const [mb, sb] = finiteMeanAndSd(b);
      // A part whose scores are all equal ranks nothing; it adds a constant.
      const wa = sa > 1e-12 ? this.weight / sa : 0;
      const wb = sb > 1e-12 ? (1 - this.weight) / sb : 0;
      for (let i = 0; i < n; i++) a[i] = wa * (a[i] - ma) + wb * (b[i] - mb);
    }
  }

  toArtifact(): ModelArtifact {
    const arrays: ModelArtifact["arrays"] = {};
    const parts = this.parts.map((part, k) => {
      const a = part.toArtifact();
      for (const [name, array] of Object.entries(a.arrays)) arrays[`part${k}.${name}`] = array;
      return { model: a.model, params: a.params, meta: a.meta };
    });
    return { model: this.name, params: this.params, meta: { parts }, arrays };
  }

  /** `restorePart` restores one part's artifact (the registry's restoreRecommender). */
  static restore(a: ModelArtifact, restorePart: (a: ModelArtifact) => Recommender): Blend {
    const parts = (a.meta?.parts ?? []) as Array<Omit<ModelArtifact, "arrays">>;
    if (parts.length !== 2) throw new Error(`a blend artifact holds two parts, this one ${parts.length}`);
    const restored = parts.map((p, k) => {
      const prefix = `part${k}.`;
      const arrays = Object.fromEntries(Object.entries(a.arrays).filter(([name]) => name.startsWith(prefix)).map(([name, v]) => [name.slice(prefix.length), v]));
      return restorePart({ ...p, arrays });
    });
    return new Blend([restored[0], restored[1]], a.params.weight);
  }
}
