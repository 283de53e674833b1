import { InputError } from "../core/errors.ts";
import { dot } from "../numeric/vectors.ts";
import type { ItemEvidence } from "./recommender.ts";

/**
 * Item evidence for a model that scores by direction (twotower: unit user and item vectors, cosine over a
 * temperature): the item points at the weighted mean of its users' unit vectors, the maximum-likelihood mean
 * direction of a von Mises-Fisher distribution, which is what a softmax over cosines fits. Its length carries
 * nothing; the caller gives it one (ItemWarming scales it to the content vector's).
 */
export class MeanDirectionEvidence implements ItemEvidence {
  private readonly sum: Float64Array;

  constructor(private readonly f: number) {
    this.sum = new Float64Array(f);
  }

  add(user: Float32Array, weight: number, _firstFromUser: boolean): void {
    if (user.length !== this.f) throw new InputError(`item evidence: a user vector has ${user.length} factors, the model ${this.f}`);
    const norm = Math.sqrt(dot(user, user));
    if (norm === 0) return;
    for (let d = 0; d < this.f; d++) this.sum[d] += (weight * user[d]) / norm;
  }

  solve(): Float32Array {
    return Float32Array.from(this.sum);
  }
}
