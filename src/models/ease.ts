import { InputError } from "../core/errors.ts";
import { effectiveWeight, type ItemWeight } from "../core/types.ts";
import type { Csr } from "../data/csr.ts";
import type { Interactions } from "../data/interactions.ts";
import { csrArrays, csrFromArtifact } from "./csr-artifact.ts";
import { fitGramInverse, type GramInverse, restoreGramInverse } from "./ease-gram.ts";
import { binarise, EMPTY_CSR } from "./matrix.ts";
import type { ModelArtifact, Params, Recommender } from "./recommender.ts";
import type { ModelSpec } from "./spec.ts";

/**
 * The largest dense inverse fit() will attempt: min(users, items). spdInverse (float64, in place, one thread)
 * measured on this 2-core machine, shared with other jobs: n = 610 0.28 s, 1,000 0.9 s, 2,000 9 s,
 * 3,000 36 s, 4,000 122 s. It grows faster than n^3 once the matrix leaves the cache, and at 4,000 the
 * matrix alone is 128 MB of float64 (a Worker's whole memory), so that is where it stops.
 */
export const EASE_MAX_DENSE = 4000;

/**
 * EASE (Steck 2019): B = I - P diagMat(1 / diag(P)) with P = (X^T X + lambda I)^{-1}, diag(B) = 0, scores x B.
 * Written as s_j = x_j - (x P)_j / P_jj, exact for any history x, so fold-in needs no refit.
 *
 * With fewer users (m) than items (n) the n x n inverse is never formed: by Woodbury
 * P = (I - X^T K X) / lambda with K = (lambda I_m + X X^T)^{-1}, so x P = (x - ((X x)^T K) X) / lambda and
 * P_jj = (1 - x_j^T K x_j) / lambda for item column x_j. Fit costs O(m^3 + nnz * m) and the artifact keeps K
 * and X. With items <= users, P itself is inverted and kept. Interactions are binarised, as in the
 * reference; a fold-in history uses its weights as x (weight 1 gives the reference).
 * Stored matrices are float32 (the reference also scores with a float32 B); sums run in float64.
 */
export class Ease implements Recommender {
  readonly name = "ease";
  /** Binarised user x item training matrix: each known user's history. */
  private x: Csr = EMPTY_CSR;
  /** Before fit, the inverse of a 0 x 0 Gram matrix: no items. */
  private gram: GramInverse = fitGramInverse(EMPTY_CSR, 1);
  /** x P for the history being scored. */
  private xp: Float64Array = new Float64Array(0);

  constructor(readonly params: Params) {}

  get itemCount(): number {
    return this.gram.diag.length;
  }

  async fit(data: Interactions): Promise<void> {
    const x = binarise(data.matrix);
    const size = Math.min(x.rows, x.cols);
    if (size > EASE_MAX_DENSE) {
      throw new InputError(
        `ease needs a dense inverse of min(users, items) = ${size} rows; the supported limit is ${EASE_MAX_DENSE} (already about 2 minutes and 128 MB); use als or itemknn for data this large`,
      );
    }
    this.gram = fitGramInverse(x, this.params.lambda);
    this.x = x;
  }

  scoreUsers(users: Int32Array, out: Float32Array): void {
    const n = this.itemCount;
    const { indptr, indices, values } = this.x;
    for (let j = 0; j < users.length; j++) {
      const u = users[j];
      const row = out.subarray(j * n, (j + 1) * n);
      if (u >= this.x.rows) {
        this.score(new Int32Array(0), new Float32Array(0), row);
        continue;
      }
      this.gram.trainingUserTimesP(u, this.scratch());
      this.finish(indices.subarray(indptr[u], indptr[u + 1]), values.subarray(indptr[u], indptr[u + 1]), row);
    }
  }

  scoreHistory(history: readonly ItemWeight[], out: Float32Array): void {
    this.score(Int32Array.from(history, (h) => h.item), Float32Array.from(history, effectiveWeight), out);
  }

  /** Row `item` of B: how strongly `item` alone predicts each item j. */
  scoreSimilar(item: number, out: Float32Array): void {
    this.score(Int32Array.of(item), Float32Array.of(1), out);
  }

  private score(items: Int32Array, weights: Float32Array, out: Float32Array): void {
    this.gram.historyTimesP(items, weights, this.scratch());
    this.finish(items, weights, out);
  }

  private scratch(): Float64Array {
    if (this.xp.length !== this.itemCount) this.xp = new Float64Array(this.itemCount);
    return this.xp;
  }

  /** Scores from x P (in the scratch) and x. */
  private finish(items: Int32Array, weights: Float32Array, out: Float32Array): void {
    const xp = this.xp;
    const diag = this.gram.diag;
    // x_j - (x P)_j / P_jj; x_j is nonzero only on history items (summed if an item repeats).
    for (let j = 0; j < out.length; j++) out[j] = -xp[j] / diag[j];
    for (let t = 0; t < items.length; t++) out[items[t]] += weights[t];
  }

  toArtifact(): ModelArtifact {
    return { model: this.name, params: this.params, meta: { side: this.gram.side }, arrays: { ...this.gram.arrays(), ...csrArrays("x", this.x) } };
  }

  static restore(a: ModelArtifact): Ease {
    const m = new Ease(a.params);
    m.x = csrFromArtifact(a, "x");
    m.gram = restoreGramInverse(a, m.x);
    return m;
  }
}

export const easeSpec: ModelSpec<Ease> = {
  name: "ease",
  summary: "EASE: closed-form linear item-item autoencoder (Steck 2019)",
  params: {
    // Chosen on a validation split carved from the ml-latest-small P1 train (last 20% per user), NDCG@10:
    // lambda=50 .1281, 100 .1312, 150 .1325, 200 .1344, 250 .1359, 300 .1351, 400 .1343, 500 .1334, 1000 .1293, 2000 .1277.
    // The same as reference_p1.py's default.
    lambda: { default: 250, min: 1e-6, max: 1e9, help: "L2 regularisation of the item-item weights" },
  },
  create: (params) => new Ease(params),
  restore: Ease.restore,
};
