import { InputError } from "../core/errors.ts";
import { type Csr, transpose } from "../data/csr.ts";
import { spdInverse } from "../numeric/spd-inverse.ts";
import type { ModelArtifact } from "./recommender.ts";

/**
 * The two exact ways EASE holds P = (X^T X + lambda I)^{-1}: whole (n x n) when items <= users, or through
 * Woodbury with the m x m K = (lambda I_m + X X^T)^{-1} when users < items. X is binary, users x items.
 */
export function fitGramInverse(x: Csr, lambda: number): GramInverse {
  return x.rows < x.cols ? UserGramInverse.fit(x, lambda) : ItemGramInverse.fit(x, lambda);
}

/** Inverse of fit + arrays(): `a.meta.side` says which form was kept. */
export function restoreGramInverse(a: ModelArtifact, x: Csr): GramInverse {
  return a.meta?.side === "users" ? UserGramInverse.restore(a, x) : ItemGramInverse.restore(a, x);
}

/** x P and diag(P) for P = (X^T X + lambda I)^{-1}, without saying how P is held. */
export interface GramInverse {
  readonly side: "items" | "users";
  readonly diag: Float32Array;
  /** out = x P, for x with weights[t] at items[t]; out has one entry per item. */
  historyTimesP(items: Int32Array, weights: Float32Array, out: Float64Array): void;
  /** The same for a training user's own (binarised) row of X, which some forms get more cheaply. */
  trainingUserTimesP(user: number, out: Float64Array): void;
  /** The arrays it needs besides X (which Ease keeps once). */
  arrays(): ModelArtifact["arrays"];
}

/** P = (X^T X + lambda I)^{-1} held whole (n x n): for catalogs no larger than the user base. */
class ItemGramInverse implements GramInverse {
  readonly side = "items";

  constructor(
    private readonly x: Csr,
    private readonly p: Float32Array,
    readonly diag: Float32Array,
  ) {}

  static fit(x: Csr, lambda: number): ItemGramInverse {
    const n = x.cols;
    const g = new Float64Array(n * n);
    addGram(x, g);
    for (let j = 0; j < n; j++) g[j * n + j] += lambda;
    invertOrThrow(g, n);
    const diag = new Float32Array(n);
    for (let j = 0; j < n; j++) diag[j] = g[j * n + j];
    return new ItemGramInverse(x, Float32Array.from(g), diag);
  }

  historyTimesP(items: Int32Array, weights: Float32Array, out: Float64Array): void {
    const n = this.diag.length;
    out.fill(0);
    for (let t = 0; t < items.length; t++) {
      const w = weights[t];
      const row = items[t] * n;
      for (let j = 0; j < n; j++) out[j] += w * this.p[row + j];
    }
  }

  trainingUserTimesP(user: number, out: Float64Array): void {
    const { indptr, indices, values } = this.x;
    this.historyTimesP(indices.subarray(indptr[user], indptr[user + 1]), values.subarray(indptr[user], indptr[user + 1]), out);
  }

  arrays(): ModelArtifact["arrays"] {
    return { p: this.p, diag: this.diag };
  }

  static restore(a: ModelArtifact, x: Csr): ItemGramInverse {
    return new ItemGramInverse(x, a.arrays.p as Float32Array, a.arrays.diag as Float32Array);
  }
}

/** P through Woodbury with K = (lambda I_m + X X^T)^{-1} (m x m) and X kept: for more items than users. */
class UserGramInverse implements GramInverse {
  readonly side = "users";
  private readonly byItem: Csr;
  /** Scratch: X x, then (X x)^T K. */
  private readonly t: Float64Array;
  private readonly tk: Float64Array;

  constructor(
    private readonly x: Csr,
    private readonly k: Float32Array,
    readonly diag: Float32Array,
    private readonly lambda: number,
  ) {
    this.byItem = transpose(x);
    this.t = new Float64Array(x.rows);
    this.tk = new Float64Array(x.rows);
  }

  static fit(x: Csr, lambda: number): UserGramInverse {
    const m = x.rows;
    const byItem = transpose(x);
    const g = new Float64Array(m * m);
    addGram(byItem, g);
    for (let v = 0; v < m; v++) g[v * m + v] += lambda;
    invertOrThrow(g, m);
    // P_jj = (1 - x_j^T K x_j) / lambda, from the float64 K before it is rounded for keeping.
    const diag = new Float32Array(x.cols);
    for (let j = 0; j < x.cols; j++) {
      let quad = 0;
      for (let p = byItem.indptr[j]; p < byItem.indptr[j + 1]; p++) {
        const row = byItem.indices[p] * m;
        const xv = byItem.values[p];
        for (let q = byItem.indptr[j]; q < byItem.indptr[j + 1]; q++) quad += xv * g[row + byItem.indices[q]] * byItem.values[q];
      }
      diag[j] = (1 - quad) / lambda;
    }
    return new UserGramInverse(x, Float32Array.from(g), diag, lambda);
  }

  historyTimesP(items: Int32Array, weights: Float32Array, out: Float64Array): void {
    const m = this.x.rows;
    const { t, tk, k } = this;
    // t = X x (per user), tk = t^T K, out = (x - tk X) / lambda.
    t.fill(0);
    for (let s = 0; s < items.length; s++) {
      const w = weights[s];
      for (let p = this.byItem.indptr[items[s]]; p < this.byItem.indptr[items[s] + 1]; p++) t[this.byItem.indices[p]] += w * this.byItem.values[p];
    }
    tk.fill(0);
    for (let v = 0; v < m; v++) {
      const tv = t[v];
      if (tv === 0) continue;
      const row = v * m;
      for (let w = 0; w < m; w++) tk[w] += tv * k[row + w];
    }
    out.fill(0);
    const { indptr, indices, values } = this.x;
    for (let v = 0; v < m; v++) {
      const c = tk[v];
      for (let p = indptr[v]; p < indptr[v + 1]; p++) out[indices[p]] -= c * values[p];
    }
    for (let s = 0; s < items.length; s++) out[items[s]] += weights[s];
    const scale = 1 / this.lambda;
    for (let j = 0; j < out.length; j++) out[j] *= scale;
  }

  /**
   * For training user u, X x_u is row u of X X^T = G - lambda I, so (X x_u)^T K = e_u - lambda K_u and
   * x_u P reduces to K_u X: O(nnz) instead of O(m^2 + nnz).
   */
  trainingUserTimesP(user: number, out: Float64Array): void {
    const m = this.x.rows;
    const { indptr, indices, values } = this.x;
    out.fill(0);
    for (let v = 0; v < m; v++) {
      const c = this.k[user * m + v];
      for (let p = indptr[v]; p < indptr[v + 1]; p++) out[indices[p]] += c * values[p];
    }
  }

  arrays(): ModelArtifact["arrays"] {
    return { k: this.k, diag: this.diag };
  }

  static restore(a: ModelArtifact, x: Csr): UserGramInverse {
    return new UserGramInverse(x, a.arrays.k as Float32Array, a.arrays.diag as Float32Array, a.params.lambda);
  }
}

/** g += M^T M for a sparse M (rows are the summed-over side): every pair of columns sharing a row. */
function addGram(m: Csr, g: Float64Array): void {
  const n = m.cols;
  for (let r = 0; r < m.rows; r++) {
    for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) {
      const row = m.indices[p] * n;
      const a = m.values[p];
      for (let q = m.indptr[r]; q < m.indptr[r + 1]; q++) g[row + m.indices[q]] += a * m.values[q];
    }
  }
}

function invertOrThrow(g: Float64Array, n: number): void {
  if (!spdInverse(g, n)) throw new InputError("ease: the regularised Gram matrix is not positive definite; use lambda > 0");
}
