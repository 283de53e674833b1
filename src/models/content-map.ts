import { spdInverse } from "../numeric/spd-inverse.ts";
import { ContentFeaturizer, type FeaturizerVocabulary, type ItemContent } from "./content-features.ts";

export interface ContentMapJson {
  vocabulary: FeaturizerVocabulary;
  factors: number;
  weights: number[];
}

/**
 * Ridge regression from content features onto a model's item vectors: W = (F^T F + lambda I)^{-1} F^T V.
 * It places an item nobody has interacted with in the same space as the trained items, from its content alone.
 */
export class ContentMap {
  private constructor(
    readonly featurizer: ContentFeaturizer,
    /** featurizer.dimension x factors, row-major. */
    private readonly weights: Float32Array,
    readonly factors: number,
  ) {}

  /** `items[r]` has the vector in row r of `vectors` (items.length x factors). */
  static fit(items: readonly ItemContent[], vectors: Float32Array, factors: number, lambda = 10, featurizer = ContentFeaturizer.fromCatalog(items)): ContentMap {
    const d = featurizer.dimension;
    const gram = new Float64Array(d * d);
    const fv = new Float64Array(d * factors);
    const x = new Float32Array(d);
    const active: number[] = [];
    for (let r = 0; r < items.length; r++) {
      featurizer.featurize(items[r], x);
      active.length = 0;
      for (let a = 0; a < d; a++) if (x[a] !== 0) active.push(a);
      for (const a of active) {
        for (const b of active) gram[a * d + b] += x[a] * x[b];
        for (let c = 0; c < factors; c++) fv[a * factors + c] += x[a] * vectors[r * factors + c];
      }
    }
    for (let a = 0; a < d; a++) gram[a * d + a] += lambda;
    if (!spdInverse(gram, d)) throw new Error("ridge system is not positive definite (lambda must be > 0)");
    const weights = new Float32Array(d * factors);
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) {
        const g = gram[a * d + b];
        if (g === 0) continue;
        for (let c = 0; c < factors; c++) weights[a * factors + c] += g * fv[b * factors + c];
      }
    }
    return new ContentMap(featurizer, weights, factors);
  }

  static fromJSON(json: ContentMapJson): ContentMap {
    return new ContentMap(new ContentFeaturizer(json.vocabulary), Float32Array.from(json.weights), json.factors);
  }

  /** The vector for an item from its content. */
  map(item: ItemContent): Float32Array {
    const x = this.featurizer.featurize(item);
    const out = new Float32Array(this.factors);
    for (let a = 0; a < x.length; a++) {
      if (x[a] === 0) continue;
      for (let c = 0; c < this.factors; c++) out[c] += x[a] * this.weights[a * this.factors + c];
    }
    return out;
  }

  toJSON(): ContentMapJson {
    return { vocabulary: this.featurizer.vocabulary, factors: this.factors, weights: Array.from(this.weights) };
  }
}
