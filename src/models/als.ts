import { InputError } from "../core/errors.ts";
import type { ItemWeight } from "../core/types.ts";
import type { Interactions } from "../data/interactions.ts";
import { createAlsSolver, type KernelChoice } from "../numeric/als-solver.ts";
import { solveSpd } from "../numeric/cholesky.ts";
import { lowRankUpdateSolve } from "../numeric/low-rank-solve.ts";
import { spdInverse } from "../numeric/spd-inverse.ts";
import { createFactorScorer, type FactorScorer } from "../numeric/factor-scorer.ts";
import { mulberry32, uniformArray } from "../numeric/random.ts";
import { addConfidenceTerm, LeastSquaresItemEvidence, regularisedGram } from "./item-evidence.ts";
import type { FactorRecommender, FitOptions, ItemEvidence, ItemFoldIn, ModelArtifact, Params } from "./recommender.ts";
import type { ModelSpec } from "./spec.ts";

export interface AlsOptions {
  /** "js" forces the TypeScript kernels (tests and benchmarks compare them with WebAssembly). */
  kernels?: KernelChoice;
}

/**
 * Implicit-feedback ALS (Hu, Koren, Volinsky 2008) solved with conjugate gradient as in the `implicit` library
 * (Takács et al. 2011): every observed entry has preference 1 and confidence c = 1 + alpha * value, every
 * other entry preference 0 and confidence 1. Note the `implicit` library uses c = alpha * value instead, so
 * its alpha=a on binary data is our alpha=a-1.
 */
export class AlsRecommender implements FactorRecommender, ItemFoldIn {
  readonly name = "als";
  readonly factors: number;
  /** Which kernels the last fit ran on, e.g. "wasm-simd, 2 threads"; empty before a fit. */
  kernelsUsed = "";
  private userFactors: Float32Array = new Float32Array(0);
  private itemFactors: Float32Array = new Float32Array(0);
  private derived?: { scorer: FactorScorer; itemNorms: Float32Array };
  private regularisedGram?: Float64Array;
  private regularisedUserGram?: Float64Array;
  private lowRank?: LowRankParts;

  constructor(
    readonly params: Params,
    private readonly options: AlsOptions = {},
  ) {
    this.factors = params.factors;
  }

  get itemCount(): number {
    return this.itemFactors.length / this.factors;
  }

  get userCount(): number {
    return this.userFactors.length / this.factors;
  }

  async fit(data: Interactions, opts: FitOptions = {}): Promise<void> {
    const f = this.factors;
    const { iterations, reg, alpha, cg_steps: cgSteps, seed } = this.params;
    // Small positive starting values, as `implicit` does (uniform in [0, 0.01)).
    const next = mulberry32(seed);
    const userFactors = uniformArray(data.userCount * f, 0.01, next);
    const itemFactors = uniformArray(data.itemCount * f, 0.01, next);
    const solver = createAlsSolver(
      { byUser: data.matrix, byItem: data.byItem, users: data.userCount, items: data.itemCount, factors: f, userFactors, itemFactors, reg, alpha, cgSteps },
      this.options.kernels,
    );
    try {
      for (let it = 0; it < iterations; it++) {
        solver.solveUsers();
        solver.solveItems();
        opts.onProgress?.(it + 1, iterations);
      }
      const result = solver.result();
      this.setFactors(result.users, result.items);
      this.kernelsUsed = solver.label;
    } finally {
      solver.dispose();
    }
  }

  /** Current factors (copies): users x factors and items x factors. For tests and diagnostics. */
  factorMatrices(): { users: Float32Array; items: Float32Array } {
    return { users: this.userFactors.slice(), items: this.itemFactors.slice() };
  }

  private setFactors(users: Float32Array, items: Float32Array): void {
    this.userFactors = users;
    this.itemFactors = items;
    this.derived = undefined;
    this.regularisedGram = undefined;
    this.regularisedUserGram = undefined;
    this.lowRank = undefined;
  }

  /** The item scorer and item norms, built on first use after a fit or restore. */
  private scoring() {
    if (!this.derived) {
      const f = this.factors;
      const itemNorms = new Float32Array(this.itemCount);
      for (let i = 0; i < itemNorms.length; i++) {
        let s = 0;
        for (let d = 0; d < f; d++) s += this.itemFactors[i * f + d] ** 2;
        itemNorms[i] = Math.sqrt(s);
      }
      this.derived = { scorer: createFactorScorer(this.itemFactors, f, this.options.kernels), itemNorms };
    }
    return this.derived;
  }

  /** YtY + reg I in float64, built on the first fold-in (scoring known users never needs it). */
  private foldInGram(): Float64Array {
    this.regularisedGram ??= regularisedGram(this.itemFactors, this.factors, this.params.reg);
    return this.regularisedGram;
  }

  /**
   * Evidence about an item training never saw: ALS's item step with the trained users' factors X fixed,
   * (XtX + reg I + sum_u (c_u - 1) x_u x_u^T) y = sum_u c_u x_u, c_u = 1 + alpha * (the user's summed weight).
   * Every user who did not interact counts as a preference of 0, as in training.
   */
  itemEvidence(): ItemEvidence {
    this.regularisedUserGram ??= regularisedGram(this.userFactors, this.factors, this.params.reg);
    return new LeastSquaresItemEvidence(this.regularisedUserGram, this.factors, this.params.alpha);
  }

  scoreUsers(users: Int32Array, out: Float32Array): void {
    const f = this.factors;
    const rows = new Float32Array(users.length * f);
    users.forEach((u, j) => {
      if (!(u >= 0 && u < this.userCount)) throw new InputError(`user index ${u} is outside the fitted ${this.userCount} users`);
      rows.set(this.userFactors.subarray(u * f, (u + 1) * f), j * f);
    });
    this.scoring().scorer.score(rows, users.length, out);
  }

  /**
   * The exact least-squares user vector for `history` with the item factors fixed: the normal equations
   * (YtY + reg I + sum_i (c_i - 1) y_i y_i^T) x = sum_i c_i y_i solved by Cholesky in float64, not by the few
   * CG steps of training (which start from the previous iterate; a new user has none). Repeated items are
   * summed first, as duplicate rows are in training. An event's recency r scales its confidence,
   * c_i = (1 + alpha w_i) r_i: its squared error counts r_i times (the matrix stays positive definite since
   * c_i >= 0 and YtY already holds y_i y_i^T).
   */
  foldIn(history: readonly ItemWeight[]): Float32Array {
    const merged = mergeHistory(history, this.itemCount);
    if (merged.size <= LOW_RANK_MAX_TERMS * this.factors) {
      const x = this.foldInLowRank(merged);
      if (x) return x;
    }
    return this.foldInDirect(merged);
  }

  /**
   * The same solution through lowRankUpdateSolve: A = G + sum_i (c_i - 1) y_i y_i^T with G = YtY + reg I fixed,
   * so a short history costs O(h^2 f) instead of an f x f factorisation. Undefined if the small system is singular.
   */
  private foldInLowRank(merged: Map<number, { weight: number; recency: number }>): Float32Array | undefined {
    const f = this.factors;
    const parts = this.lowRankParts();
    const s = merged.size;
    const ys = new Float64Array(s * f);
    const zs = new Float64Array(s * f);
    const extra = new Float64Array(s);
    // G^{-1} b = sum_i c_i z_i, since b = sum_i c_i y_i.
    const x = new Float64Array(f);
    let k = 0;
    for (const [item, { weight, recency }] of merged) {
      const c = (1 + this.params.alpha * weight) * recency;
      extra[k] = c - 1;
      ys.set(this.itemFactors.subarray(item * f, (item + 1) * f), k * f);
      parts.solveRow(item, this.itemFactors, zs, k * f);
      for (let d = 0; d < f; d++) x[d] += c * zs[k * f + d];
      k++;
    }
    return lowRankUpdateSolve(s, f, ys, zs, extra, x) ? Float32Array.from(x) : undefined;
  }

  /** G^{-1}, and Z = Y G^{-1} precomputed when it fits in LOW_RANK_MAX_FLOATS (else rows are solved per request). */
  private lowRankParts(): LowRankParts {
    if (!this.lowRank) {
      const f = this.factors;
      const inverse = this.foldInGram().slice();
      if (!spdInverse(inverse, f)) throw new InputError("fold-in: YtY + reg I is singular (reg must be > 0)");
      let solved: Float32Array | undefined;
      if (this.itemCount * f <= LOW_RANK_MAX_FLOATS) {
        // Row d of G^{-1} dotted with every item vector is column d of Z: f passes of the catalog scorer.
        const columns = new Float32Array(f * this.itemCount);
        this.scoring().scorer.score(Float32Array.from(inverse), f, columns);
        solved = new Float32Array(this.itemCount * f);
        for (let d = 0; d < f; d++) for (let i = 0; i < this.itemCount; i++) solved[i * f + d] = columns[d * this.itemCount + i];
      }
      this.lowRank = new LowRankParts(inverse, f, solved);
    }
    return this.lowRank;
  }

  /** The full normal equations by Cholesky: long histories, and the fallback. */
  private foldInDirect(merged: Map<number, { weight: number; recency: number }>): Float32Array {
    const f = this.factors;
    const a = this.foldInGram().slice();
    const b = new Float64Array(f);
    for (const [item, { weight, recency }] of merged) {
      const c = (1 + this.params.alpha * weight) * recency;
      addConfidenceTerm(a, b, this.itemFactors.subarray(item * f, (item + 1) * f), c - 1, c);
    }
    if (!solveSpd(a, b, f)) throw new InputError("fold-in: the normal equations are singular (reg must be > 0 for this history)");
    return Float32Array.from(b);
  }

  scoreHistory(history: readonly ItemWeight[], out: Float32Array): void {
    this.scoring().scorer.score(this.foldIn(history), 1, out);
  }

  /** Cosine similarity of item factors; an item with a zero vector is similar to nothing (0). */
  scoreSimilar(item: number, out: Float32Array): void {
    const f = this.factors;
    const { scorer, itemNorms } = this.scoring();
    scorer.score(this.itemFactors.subarray(item * f, (item + 1) * f), 1, out);
    const norm = itemNorms[item];
    for (let i = 0; i < out.length; i++) {
      const denom = norm * itemNorms[i];
      out[i] = denom > 0 ? out[i] / denom : 0;
    }
  }

  itemVectors(): Float32Array {
    return this.itemFactors;
  }

  toArtifact(): ModelArtifact {
    return {
      model: this.name,
      params: this.params,
      meta: { users: this.userCount, items: this.itemCount },
      arrays: { userFactors: this.userFactors, itemFactors: this.itemFactors },
    };
  }

  static restore(a: ModelArtifact, options: AlsOptions = {}): AlsRecommender {
    const m = new AlsRecommender(a.params, options);
    const { userFactors, itemFactors } = a.arrays;
    if (!(userFactors instanceof Float32Array) || !(itemFactors instanceof Float32Array)) {
      throw new InputError("als artifact: userFactors and itemFactors must be Float32Arrays");
    }
    if (userFactors.length % m.factors !== 0 || itemFactors.length % m.factors !== 0) {
      throw new InputError(`als artifact: factor arrays are not multiples of factors=${m.factors}`);
    }
    m.setFactors(userFactors, itemFactors);
    return m;
  }
}

/** The fast fold-in solves h x h systems for h history items: worth it while h is below this share of the factors. */
const LOW_RANK_MAX_TERMS = 0.6;
/** Z = Y G^{-1} is kept when it has at most this many floats (64 MB); above it, rows are solved per request. */
const LOW_RANK_MAX_FLOATS = 1 << 24;

/** What the low-rank fold-in needs from the fitted item factors: G^{-1} and, when kept, every z_i = G^{-1} y_i. */
class LowRankParts {
  constructor(
    private readonly inverse: Float64Array,
    private readonly f: number,
    private readonly solved?: Float32Array,
  ) {}

  /** Writes z_item = G^{-1} y_item into out[at .. at + f). */
  solveRow(item: number, itemFactors: Float32Array, out: Float64Array, at: number): void {
    const f = this.f;
    if (this.solved) {
      for (let d = 0; d < f; d++) out[at + d] = this.solved[item * f + d];
      return;
    }
    for (let r = 0; r < f; r++) {
      let v = 0;
      for (let c = 0; c < f; c++) v += this.inverse[r * f + c] * itemFactors[item * f + c];
      out[at + r] = v;
    }
  }
}

/** item -> summed weight and the recency of its newest event, with every item checked against the catalogue size. */
export function mergeHistory(history: readonly ItemWeight[], itemCount: number): Map<number, { weight: number; recency: number }> {
  const merged = new Map<number, { weight: number; recency: number }>();
  for (const { item, weight, recency = 1 } of history) {
    if (!Number.isInteger(item) || item < 0 || item >= itemCount) throw new InputError(`history item index ${item} is outside the ${itemCount} items`);
    const seen = merged.get(item);
    if (seen) {
      seen.weight += weight;
      seen.recency = Math.max(seen.recency, recency);
    } else merged.set(item, { weight, recency });
  }
  return merged;
}

export const alsSpec: ModelSpec<AlsRecommender> = {
  name: "als",
  summary: "implicit-feedback matrix factorisation (Hu et al. 2008), conjugate-gradient ALS",
  // Defaults chosen by NDCG@10 on a validation split carved from the ml-latest-small P1 train split (per user,
  // the last 20% of train rows; `recagent tune`), never on test. Three grids, cg_steps=3:
  //   1. factors 32,64,128 x reg 3,10,30,100 x alpha 0,0.5,1,3,10, iterations 15: best 128/10/0 0.1298, then
  //      128/10/0.5 0.1278, 128/30/3 0.1266, 64/10/0 0.1265; reg 100 0.091-0.092, alpha 10 0.093-0.117.
  //   2. factors 64,128 x reg 5,7,10,15,20 x alpha 0,0.25 x iterations 15,30: best 128/10/0.25/30 0.1307,
  //      128/10/0.25/15 0.1302, 128/10/0/30 0.1300, 128/10/0/15 0.1298; reg 5 or 20 at most 0.1257.
  //   3. factors 128,192,256 x alpha 0,0.25 x seed 1,42 (reg 10, 15 iterations): 0.1286-0.1309, seed moves
  //      a point by up to 0.001, so past 128 factors the gain is noise at 2-4x the cost.
  // Chosen: factors 128, reg 10, alpha 0.25, 15 iterations (0.1302, within seed noise of the best at half its
  // cost). Confidence barely helps here: alpha 0, i.e. the `implicit` library's alpha=1 on binary data, is as good.
  params: {
    factors: { default: 128, min: 1, max: 1024, integer: true, help: "latent dimensions" },
    reg: { default: 10, min: 1e-6, max: 1e6, help: "L2 penalty on every factor vector" },
    alpha: { default: 0.25, min: 0, max: 1e6, help: "an observed entry has confidence 1 + alpha * value (implicit's alpha minus 1)" },
    iterations: { default: 15, min: 0, max: 1000, integer: true, help: "alternating user and item sweeps" },
    cg_steps: { default: 3, min: 1, max: 100, integer: true, help: "conjugate-gradient steps per row and sweep" },
    seed: { default: 42, min: 0, max: 2 ** 32 - 1, integer: true, help: "random initialisation" },
  },
  grid: { factors: [64, 128, 256], reg: [5, 10, 20], alpha: [0, 0.25, 1], iterations: [15, 30] },
  create: (params) => new AlsRecommender(params),
  restore: (artifact) => AlsRecommender.restore(artifact),
};
