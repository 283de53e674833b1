import { describe, expect, it } from "vitest";
import { createDenseKernels } from "../../numeric/dense-kernels-wasm.ts";
import { mulberry32 } from "../../numeric/random.ts";
import { randomMatrix } from "../../numeric/test-helpers.ts";
import { Gelu, Relu, Tanh } from "./activations.ts";
import { Adam } from "./adam.ts";
import { Dense } from "./dense.ts";
import { Dropout } from "./dropout.ts";
import { Embedding, EmbeddingBag } from "./embedding.ts";
import { type GradCheckCase, gradCheck, layerCase } from "./grad-check.ts";
import { L2Normalize } from "./l2-normalize.ts";
import { LayerNorm } from "./layer-norm.ts";
import { inBatchSoftmax, sampledBce } from "./losses.ts";
import { denseParam, tableParam } from "./param.ts";
import { Sequential } from "./sequential.ts";
import { type Matrix, matrix, type Param } from "./types.ts";

/** Errors of a correct float32 backward pass stay near 1e-3 at eps 1e-2; a wrong one is near 1. */
const TOLERANCE = 2e-2;
const input = (rows: number, cols: number, seed: number) => matrix(rows, cols, randomMatrix(rows, cols, seed, 2));

describe.each([
  ["wasm-simd", createDenseKernels()],
  ["typescript", createDenseKernels("js")],
])("gradient checks against finite differences (%s kernels)", (_, kernels) => {
  it("Dense with and without bias", () => {
    for (const bias of [true, false]) {
      const r = gradCheck(layerCase(new Dense("dense", 7, 5, mulberry32(1), kernels, { bias }), input(6, 7, 2)));
      expect(r.maxError, r.worst).toBeLessThan(TOLERANCE);
    }
  });

  // ReLU is left out here: a finite difference that crosses its kink is wrong by design (it has its own test).
  it("an MLP: Dense, Tanh, LayerNorm, Dropout, Dense, GELU, L2Normalize", () => {
    const next = mulberry32(4);
    const mlp = new Sequential([new Dense("a", 6, 8, next, kernels), new Tanh(), new LayerNorm("ln", 8), new Dropout(0.3, mulberry32(9)), new Dense("b", 8, 5, next, kernels), new Gelu(), new L2Normalize()]);
    // Dropout draws a new mask every forward: check it with a fixed mask by replaying the same seed.
    const fixedMask = new Sequential(mlp.layers.map((l) => (l instanceof Dropout ? new ReplayedDropout(0.3, 9) : l)));
    const r = gradCheck(layerCase(fixedMask, input(5, 6, 5), 3, true));
    expect(r.maxError, r.worst).toBeLessThan(TOLERANCE);
  });
});

/** Dropout whose every forward draws the same mask (a fresh generator from one seed), so finite differences see one function. */
class ReplayedDropout extends Dropout {
  private readonly seed: number;
  private inner: Dropout;

  constructor(rate: number, seed: number) {
    super(rate, () => 0);
    this.seed = seed;
    this.inner = new Dropout(rate, mulberry32(seed));
  }

  override forward(x: Matrix, train: boolean): Matrix {
    this.inner = new Dropout(this.rate, mulberry32(this.seed));
    return this.inner.forward(x, train);
  }

  override backward(dy: Matrix): Matrix {
    return this.inner.backward(dy);
  }
}

describe("single layers", () => {
  it("ReLU, GELU, Tanh, LayerNorm (non-trivial gamma and beta), L2Normalize pass the gradient check", () => {
    const ln = new LayerNorm("ln", 6);
    ln.gamma.value.set(randomMatrix(1, 6, 11, 2));
    ln.beta.value.set(randomMatrix(1, 6, 12, 2));
    for (const layer of [new Relu(), new Gelu(), new Tanh(), ln, new L2Normalize()]) {
      const r = gradCheck(layerCase(layer, input(4, 6, 13)));
      expect(r.maxError, `${layer.constructor.name}: ${r.worst}`).toBeLessThan(TOLERANCE);
    }
  });

  it("Embedding and EmbeddingBag put gradients on the rows they used, and only there", () => {
    const table = tableParam("items", 10, 4, randomMatrix(10, 4, 14));
    const ids = Int32Array.from([3, 7, 3, 0]);
    const bags = { offsets: Int32Array.from([0, 2, 2, 5]), ids: Int32Array.from([1, 3, 3, 9, 2]), weights: Float32Array.from([0.5, 2, 1, -1, 0.25]) };
    const emb = new Embedding(table);
    const bag = new EmbeddingBag(table);
    const next = mulberry32(15);
    const r1 = Float32Array.from({ length: 16 }, () => next() - 0.5);
    const r2 = Float32Array.from({ length: 12 }, () => next() - 0.5);
    const c: GradCheckCase = {
      params: [table],
      loss() {
        const a = emb.forward(ids);
        const b = bag.forward(bags);
        return a.data.reduce((s, v, i) => s + v * r1[i], 0) + b.data.reduce((s, v, i) => s + v * r2[i], 0);
      },
      backward() {
        emb.backward(matrix(4, 4, r1.slice()));
        bag.backward(matrix(3, 4, r2.slice()));
        return [];
      },
    };
    emb.forward(ids);
    bag.forward(bags);
    c.backward();
    expect([...table.touched!.rows].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 7, 9]);
    for (const row of [4, 5, 6, 8]) expect(Array.from(table.grad.subarray(row * 4, row * 4 + 4))).toEqual([0, 0, 0, 0]);
    const r = gradCheck(c, { samples: 40 });
    expect(r.maxError, r.worst).toBeLessThan(TOLERANCE);
  });

  it("Dropout is the identity outside training, zeroes about `rate` of the entries in training and scales the rest", () => {
    const x = matrix(100, 50, new Float32Array(5000).fill(1));
    const d = new Dropout(0.2, mulberry32(3));
    expect(d.forward(x, false)).toBe(x);
    const y = d.forward(x, true);
    const zeros = y.data.filter((v) => v === 0).length;
    expect(zeros / 5000).toBeGreaterThan(0.18);
    expect(zeros / 5000).toBeLessThan(0.22);
    expect(y.data.filter((v) => v !== 0).every((v) => Math.abs(v - 1.25) < 1e-6)).toBe(true);
  });
});

describe("losses", () => {
  it.each([
    ["plain", false],
    ["with logQ and duplicate items masked", true],
  ])("in-batch softmax: gradients of both sides pass the check (%s)", (_, extras) => {
    const kernels = createDenseKernels();
    const q = input(6, 5, 16);
    const k = input(6, 5, 17);
    const o = { temperature: 0.5, ...(extras ? { logQ: Float32Array.from([-1, -2, -0.5, -3, -1, -2]), items: Int32Array.from([1, 2, 3, 2, 4, 5]) } : {}) };
    let grads: { gradQueries: Matrix; gradKeys: Matrix } | undefined;
    const r = gradCheck({
      params: [],
      inputs: [q.data, k.data],
      loss() {
        const out = inBatchSoftmax(q, k, o, kernels);
        grads = out;
        return out.loss;
      },
      backward: () => [grads!.gradQueries.data, grads!.gradKeys.data],
    });
    expect(r.maxError, r.worst).toBeLessThan(TOLERANCE);
  });

  it("in-batch softmax equals the cross-entropy written out for one row", () => {
    const q = input(3, 2, 18);
    const k = input(3, 2, 19);
    const logQ = Float32Array.from([-1, -2, -3]);
    const { loss } = inBatchSoftmax(q, k, { temperature: 0.1, logQ }, createDenseKernels("js"));
    let total = 0;
    for (let i = 0; i < 3; i++) {
      const z = [0, 1, 2].map((j) => (q.data[i * 2] * k.data[j * 2] + q.data[i * 2 + 1] * k.data[j * 2 + 1]) / 0.1 - logQ[j]);
      total += Math.log(z.reduce((s, v) => s + Math.exp(v), 0)) - z[i];
    }
    expect(loss).toBeCloseTo(total / 3, 4);
  });

  it("sampled BCE: value and gradients, masked positions ignored", () => {
    const pos = Float32Array.from([2, -1, 0.5, 3]);
    const neg = Float32Array.from([-1, 0.3, 2, 0]);
    const mask = Float32Array.from([1, 1, 1, 0]);
    const gp = new Float32Array(4);
    const gn = new Float32Array(4);
    const r = gradCheck({ params: [], inputs: [pos, neg], loss: () => sampledBce(pos, neg, gp, gn, mask), backward: () => [gp, gn] }, { eps: 1e-3 });
    expect(r.maxError, r.worst).toBeLessThan(TOLERANCE);
    const sp = (x: number) => Math.log(1 + Math.exp(x));
    expect(sampledBce(pos, neg, gp, gn, mask)).toBeCloseTo((sp(-2) + sp(-1) + sp(1) + sp(0.3) + sp(-0.5) + sp(2)) / 3, 5);
    expect(Math.abs(gp[3])).toBe(0);
  });
});

describe("gradCheck itself", () => {
  it("catches a wrong backward pass", () => {
    const p = denseParam("w", Float32Array.from([1, 2, 3]));
    const r = gradCheck({
      params: [p],
      loss: () => p.value.reduce((s, v) => s + v * v, 0),
      backward() {
        p.value.forEach((v, i) => (p.grad[i] += v)); // should be 2v
        return [];
      },
    });
    expect(r.maxError).toBeGreaterThan(0.3);
  });
});

describe("Adam", () => {
  it("matches the textbook update on a dense parameter", () => {
    const p = denseParam("w", Float32Array.from([1, -2]));
    const adam = new Adam({ lr: 0.1 });
    let m = [0, 0];
    let v = [0, 0];
    const w = [1, -2];
    for (let t = 1; t <= 3; t++) {
      const g = w.map((x) => 2 * x);
      p.grad.set(g);
      adam.step([p]);
      m = m.map((mi, i) => 0.9 * mi + 0.1 * g[i]);
      v = v.map((vi, i) => 0.999 * vi + 0.001 * g[i] * g[i]);
      for (let i = 0; i < 2; i++) w[i] -= (0.1 * (m[i] / (1 - 0.9 ** t))) / (Math.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-8);
      expect(p.value[0]).toBeCloseTo(w[0], 5);
      expect(p.value[1]).toBeCloseTo(w[1], 5);
      expect(Array.from(p.grad)).toEqual([0, 0]);
    }
  });

  it("moves only the touched rows of an embedding table (lazy), and clears them", () => {
    const table: Param = tableParam("t", 4, 2, Float32Array.from([1, 1, 1, 1, 1, 1, 1, 1]));
    const adam = new Adam({ lr: 0.1 });
    table.grad.set([0.5, -0.5], 2);
    table.touched!.rows.add(1);
    adam.step([table]);
    expect(Array.from(table.value)).toEqual([1, 1, expect.closeTo(0.9, 5), expect.closeTo(1.1, 5), 1, 1, 1, 1]);
    expect(table.touched!.rows.size).toBe(0);
    expect(table.grad.every((g) => g === 0)).toBe(true);
  });

  it("trains a small MLP to fit a function (loss falls by 10x)", () => {
    const kernels = createDenseKernels();
    const next = mulberry32(21);
    const net = new Sequential([new Dense("a", 2, 16, next, kernels), new Relu(), new Dense("b", 16, 1, next, kernels)]);
    const x = input(64, 2, 22);
    const target = Float32Array.from({ length: 64 }, (_, r) => Math.sin(2 * x.data[r * 2]) + x.data[r * 2 + 1] ** 2);
    const adam = new Adam({ lr: 0.01 });
    const mse = () => {
      const y = net.forward(x, true);
      const dy = matrix(64, 1);
      let loss = 0;
      for (let r = 0; r < 64; r++) {
        loss += (y.data[r] - target[r]) ** 2 / 64;
        dy.data[r] = (2 * (y.data[r] - target[r])) / 64;
      }
      net.backward(dy);
      adam.step(net.params());
      return loss;
    };
    const first = mse();
    let last = first;
    for (let s = 0; s < 500; s++) last = mse();
    expect(last).toBeLessThan(first / 10);
  });
});
