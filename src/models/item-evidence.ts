import { InputError } from "../core/errors.ts";
import { solveSpd } from "../numeric/cholesky.ts";
import { dot } from "../numeric/vectors.ts";
import type { ItemEvidence } from "./recommender.ts";

/**
 * Item evidence for a model that scores by direction (twotower: unit user and item vectors, cosine over a
 * temperature): the item points at the weighted mean of its users' unit vectors, the maximum-likelihood mean
 * direction of a von Mises-Fisher distribution, which is what a softmax over cosines fits. Its length carries
 * nothing; the caller gives it one (ItemWarming scales it to the content vector's). `oncePerUser`: each user
 * counts once with weight 1, for a model that trains on whether a user interacted, not how much (bpr).
 */
export class MeanDirectionEvidence implements ItemEvidence {
  private readonly sum: Float64Array;

  constructor(
    private readonly f: number,
    private readonly o: { oncePerUser?: boolean } = {},
  ) {
    this.sum = new Float64Array(f);
  }

  add(user: Float32Array, weight: number, firstFromUser: boolean): void {
    checkSize(user, this.f);
    if (this.o.oncePerUser && !firstFromUser) return;
    const norm = Math.sqrt(dot(user, user));
    if (norm === 0) return;
    const w = this.o.oncePerUser ? 1 : weight;
    for (let d = 0; d < this.f; d++) this.sum[d] += (w * user[d]) / norm;
  }

  solve(): Float32Array {
    return Float32Array.from(this.sum);
  }
}

/**
 * Item evidence for a model that scores by a dot product with users it holds (or can list): the least-squares
 * item step with every known user fixed, as implicit ALS takes it,
 *   (XtX + reg I + sum_u (c_u - 1) x_u x_u^T) y = sum_u c_u x_u,   c_u = 1 + alpha * (the user's summed weight),
 * every user who did not interact counting as a preference of 0. `userGram` is XtX + reg I over the model's
 * users (regularisedGram), shared by every item; each item keeps only its own terms until a solve.
 */
export class LeastSquaresItemEvidence implements ItemEvidence {
  private readonly extra: Float64Array;
  private readonly rhs: Float64Array;

  constructor(
    private readonly userGram: Float64Array,
    private readonly f: number,
    private readonly alpha: number,
  ) {
    this.extra = new Float64Array(f * f);
    this.rhs = new Float64Array(f);
  }

  add(user: Float32Array, weight: number, firstFromUser: boolean): void {
    checkSize(user, this.f);
    // c = 1 + alpha * summed weight: the 1 once per user, the alpha * weight for every interaction.
    addConfidenceTerm(this.extra, this.rhs, user, this.alpha * weight, (firstFromUser ? 1 : 0) + this.alpha * weight);
  }

  solve(): Float32Array {
    const a = this.userGram.slice();
    for (let k = 0; k < a.length; k++) a[k] += this.extra[k];
    const b = this.rhs.slice();
    if (!solveSpd(a, b, this.f)) throw new InputError("item fold-in: the normal equations are singular (reg must be > 0)");
    return Float32Array.from(b);
  }
}

/** X^T X + reg I in float64 for the rows of an n x f matrix. */
export function regularisedGram(rows: Float32Array, f: number, reg: number): Float64Array {
  const g = new Float64Array(f * f);
  for (let i = 0; i < rows.length / f; i++) {
    const y = rows.subarray(i * f, (i + 1) * f);
    for (let r = 0; r < f; r++) for (let c = 0; c < f; c++) g[r * f + c] += y[r] * y[c];
  }
  for (let d = 0; d < f; d++) g[d * f + d] += reg;
  return g;
}

/**
 * Adds one row's term to normal equations A x = b: A += extra * y y^T (the lower triangle only: the Cholesky
 * solve reads nothing else) and b += weight * y.
 */
export function addConfidenceTerm(a: Float64Array, b: Float64Array, y: ArrayLike<number>, extra: number, weight: number): void {
  const f = b.length;
  for (let r = 0; r < f; r++) {
    b[r] += weight * y[r];
    for (let c = 0; c <= r; c++) a[r * f + c] += extra * y[r] * y[c];
  }
}

function checkSize(user: Float32Array, f: number): void {
  if (user.length !== f) throw new InputError(`item evidence: a user vector has ${user.length} factors, the model ${f}`);
}
