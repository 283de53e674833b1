import type { Csr } from "../../data/csr.ts";
import { EASE_MAX_DENSE } from "../../models/ease.ts";
import type { Params } from "../../models/recommender.ts";
import { shuffle } from "../../numeric/random.ts";

/** A hyper-parameter's search range: log-uniform between bounds, or one of a few values. */
export type Dimension = { log: readonly [number, number]; integer?: boolean } | { values: readonly number[] };

/** Sizes the cost model reads, computed once per training matrix. */
export interface DataShape {
  users: number;
  items: number;
  nnz: number;
  /** Sum over users of (history length)^2: item-kNN's co-occurrence work. */
  rowPairs: number;
  /** Sum over items of (user count)^2: user-kNN's co-occurrence work. */
  colPairs: number;
}

/** Estimated wall seconds of one fit and of scoring one validation user (plain, or folded in with recency weights). */
export interface Cost {
  fit: number;
  perUser: number;
  perUserFoldIn: number;
}

/** Where and how the tuner searches one model's hyper-parameters. */
export interface ModelSpace {
  dims: Readonly<Record<string, Dimension>>;
  /** Most distinct configurations worth fitting (a 1-D integer range runs out of new points). */
  maxConfigs: number;
  /** `params` at a share (0, 1] of full fidelity: fewer iterations for the iterative models; others unchanged. */
  atFidelity?(params: Params, share: number): Params;
  /** Scores do not depend on the user's history (popularity): recency weighting cannot change them. */
  ignoresHistory?: boolean;
  /** Why the model cannot be fitted on data of this shape, if it cannot. */
  refuses?(shape: DataShape): string | undefined;
  cost(shape: DataShape, params: Params): Cost;
}

export function dataShape(byUser: Csr, byItem: Csr): DataShape {
  const squares = (m: Csr) => {
    let s = 0;
    for (let r = 0; r < m.rows; r++) s += (m.indptr[r + 1] - m.indptr[r]) ** 2;
    return s;
  };
  return { users: byUser.rows, items: byUser.cols, nnz: byUser.indices.length, rowPairs: squares(byUser), colPairs: squares(byItem) };
}

/*
 * The cost model: operation counts times seconds per operation, fitted to fits and scoring passes timed on this
 * project's 2-core machine while other jobs ran (load 5-8) on three shapes: ml-latest-small's validation train
 * (610 x 7,165, 65k entries), synthetic counts (3,000 x 2,000, 110k) and synthetic sparse (6,000 x 5,796, 60k).
 * It is right within about 2x, which is all a planner needs; what it buys is a plan, and so a choice, that is
 * the same on every run for the same data, budget and seed, whatever the machine's load.
 */
/** Ranking one user: masking and top-k over the catalog. */
const perUserBase = (s: DataShape) => 5e-8 * s.items;
const meanHistory = (s: DataShape) => s.nnz / Math.max(1, s.users);

const ALS_ITERATIONS = 15;

const als: ModelSpace = {
  dims: { factors: { values: [32, 64, 128] }, reg: { log: [1, 300] }, alpha: { log: [0.05, 50] } },
  maxConfigs: 27,
  atFidelity: (params, share) => ({ ...params, iterations: Math.max(1, Math.round(params.iterations * share)) }),
  cost(s, p) {
    const f = p.factors;
    const iterations = p.iterations ?? ALS_ITERATIONS;
    return {
      fit: 0.6e-9 * iterations * (p.cg_steps ?? 3) * ((s.users + s.items) * f * f + 2 * s.nnz * f),
      perUser: perUserBase(s) + 0.6e-9 * s.items * f,
      // Fold-in: one float64 Cholesky solve per user, in plain TypeScript.
      perUserFoldIn: perUserBase(s) + 5e-9 * (f ** 3 / 3 + (meanHistory(s) * f * f) / 2) + 3e-9 * s.items * f,
    };
  },
};

const easeSide = (s: DataShape) => Math.min(s.users, s.items);

const ease: ModelSpace = {
  dims: { lambda: { log: [10, 10_000] } },
  maxConfigs: 12,
  refuses: (s) => (easeSide(s) > EASE_MAX_DENSE ? `min(users, items) = ${easeSide(s)} is above EASE's dense limit ${EASE_MAX_DENSE}` : undefined),
  cost(s) {
    const m = easeSide(s);
    // Woodbury (users < items) keeps a users x users inverse (a known user reads one row of it, a folded-in
    // history needs a product with all of it); otherwise the items x items inverse, one row per history item.
    const woodbury = s.users < s.items;
    return {
      fit: 3e-9 * (m ** 3 + s.nnz * m),
      perUser: perUserBase(s) + (woodbury ? 2e-9 * (m * m + s.nnz) : 2e-8 * meanHistory(s) * s.items),
      perUserFoldIn: perUserBase(s) + (woodbury ? 6.5e-9 * (m * m + s.nnz) : 2e-8 * meanHistory(s) * s.items),
    };
  },
};

/**
 * Neighbours only: searching shrinkage too ({0, 10, 30, 100}) spread the same budget thinner and lost on both
 * sparse shapes measured (shapes.node.ts: the synthetic sparse set 0.2188 -> 0.2055, a 25% sample of
 * ml-latest-small 0.0278 -> 0.0270 test NDCG@10), so it is left at 0 unless set by hand.
 */
const knnDims = { k: { log: [5, 500], integer: true } } as const;

const itemknn: ModelSpace = {
  dims: knnDims,
  maxConfigs: 10,
  cost: (s, p) => ({
    fit: (5e-8 * s.rowPairs + 5e-9 * s.items * s.items) * (1 + p.k / 200),
    perUser: 2 * perUserBase(s) + 2e-8 * meanHistory(s) * p.k,
    perUserFoldIn: 2 * perUserBase(s) + 2e-8 * meanHistory(s) * p.k,
  }),
};

const userknn: ModelSpace = {
  dims: knnDims,
  maxConfigs: 10,
  cost: (s, p) => ({
    fit: (8.5e-8 * s.colPairs + 1e-8 * s.users * s.users) * (1 + p.k / 300),
    perUser: perUserBase(s) + 5e-8 * p.k * meanHistory(s),
    perUserFoldIn: perUserBase(s) + 5e-8 * (p.k * meanHistory(s) + s.users),
  }),
};

const pop: ModelSpace = {
  dims: {},
  maxConfigs: 1,
  ignoresHistory: true,
  cost: (s) => ({ fit: 1e-8 * s.nnz, perUser: perUserBase(s), perUserFoldIn: perUserBase(s) }),
};

const bpr: ModelSpace = {
  dims: { factors: { values: [32, 64, 128] }, lr: { log: [0.005, 0.2] }, reg: { log: [0.0005, 0.1] } },
  maxConfigs: 27,
  atFidelity: als.atFidelity,
  cost: (s, p) => ({
    fit: 2e-8 * p.iterations * s.nnz * p.factors,
    perUser: perUserBase(s) + 0.6e-9 * s.items * p.factors,
    perUserFoldIn: perUserBase(s) + 0.6e-9 * s.items * p.factors,
  }),
};

/**
 * The neural models choose their epoch count by early stopping on their own validation split. Inside the
 * tuner every configuration trains a fixed `searchEpochs` instead (a share of it in early rungs), so all are
 * compared at the same length and the tuner's rungs stay the fidelity knob; the chosen recipe keeps the
 * model's own early stopping (recipes hold full-fidelity params). `noEarlyStop` are the params that turn it off.
 */
const epochsAtFidelity =
  (searchEpochs: number, noEarlyStop: Params) =>
  (params: Params, share: number): Params => ({ ...params, ...noEarlyStop, epochs: Math.max(1, Math.round(searchEpochs * share)) });

/** Sum over users of min(history, maxlen): the positions one epoch of a sequence model reads. */
const positions = (s: DataShape, maxlen: number) => Math.min(s.nnz, s.users * maxlen);

/**
 * Epoch cost ~ rows x dim x (in-batch negatives + pooled history + the content MLP); the constant from
 * `npm run bench:twotower` (80,896 rows, dim 64, batch 512: 3.0-3.4 s per epoch on one thread at load 2.4-3.8).
 * 20 epochs: where early stopping settled on ml-latest-small's validation (18) and the PyTorch reference (20).
 */
const twotower: ModelSpace = {
  dims: { temperature: { log: [0.03, 0.3] }, lr: { log: [3e-4, 3e-3] }, pool_tau: { values: [0, 5, 10, 20] } },
  maxConfigs: 27,
  atFidelity: epochsAtFidelity(20, { validate: 0 }),
  cost: (s, p) => ({
    fit: 0.6e-9 * p.epochs * s.nnz * p.dim * (p.batch + 10 * p.max_history + 4 * p.hidden),
    perUser: perUserBase(s) + 0.6e-9 * s.items * p.dim,
    perUserFoldIn: perUserBase(s) + 0.6e-9 * s.items * p.dim + 1e-9 * p.max_history * p.dim,
  }),
};

/** Forward and backward work per position: the blocks' products and attention over the window. */
const sasrecPerPosition = (p: Params) => p.blocks * p.hidden * (12 * p.hidden + 4 * p.maxlen);

/**
 * Epoch cost from the positions read (`npm run bench:sasrec`: 0.76-0.79 s per epoch on ml-latest-small's P1
 * train, 610 users, maxlen 50, hidden 50, 2 blocks, at load 2); scoring a user runs the network forward over
 * their window. 150 search epochs: validation climbs in steps with plateaus of up to 100 epochs (sasrec.ts), so
 * configurations are compared past the first plateau, at about a quarter of an early-stopped fit's cost.
 */
const sasrec: ModelSpace = {
  dims: { lr: { log: [5e-4, 5e-3] }, dropout: { values: [0.1, 0.2, 0.3, 0.5] }, hidden: { values: [32, 50, 64] }, horizon: { values: [1, 2, 3, 5] } },
  maxConfigs: 27,
  atFidelity: epochsAtFidelity(150, { patience: 0 }),
  cost: (s, p) => {
    const perUser = perUserBase(s) + 0.6e-9 * s.items * p.hidden + 3e-10 * p.maxlen * sasrecPerPosition(p);
    return { fit: 4e-10 * p.epochs * positions(s, p.maxlen) * sasrecPerPosition(p), perUser, perUserFoldIn: perUser };
  },
};

/** The models the tuner knows how to search, by registry name. */
export const SPACES: Readonly<Record<string, ModelSpace>> = { pop, itemknn, userknn, ease, als, bpr, twotower, sasrec };

/**
 * What `--model auto` compares: BPR is left out (on every data set tried here ALS beat it at a tenth of the time),
 * and so are the neural models (one of their fits costs more than the default budget's whole search).
 */
export const AUTO_MODELS: readonly string[] = ["pop", "itemknn", "userknn", "ease", "als"];

/**
 * `count` configurations spread over the space (Latin hypercube: each dimension's range cut into `count`
 * strata, one draw per stratum, strata paired at random), overlaid on `base` (the defaults). Deterministic for
 * `next`; integer dimensions are rounded and repeats dropped, so fewer may come back.
 */
export function sampleConfigs(space: ModelSpace, base: Params, count: number, next: () => number): Params[] {
  const dims = Object.entries(space.dims);
  const columns = dims.map(([, dim]) => {
    const strata = Int32Array.from({ length: count }, (_, i) => i);
    shuffle(strata, next);
    return Array.from(strata, (stratum) => valueAt(dim, (stratum + next()) / count));
  });
  const seen = new Set<string>();
  const out: Params[] = [];
  for (let row = 0; row < count; row++) {
    const params: Record<string, number> = { ...base };
    dims.forEach(([key], d) => (params[key] = columns[d][row]));
    const key = JSON.stringify(params);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(params);
    }
  }
  return out;
}

function valueAt(dim: Dimension, u: number): number {
  if ("values" in dim) return dim.values[Math.min(dim.values.length - 1, Math.floor(u * dim.values.length))];
  const [lo, hi] = dim.log;
  const v = Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo)));
  // Three significant digits: reports stay readable and nothing of value is lost on a log scale.
  return dim.integer ? Math.round(v) : Number(v.toPrecision(3));
}
