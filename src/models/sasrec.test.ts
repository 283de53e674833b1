import { describe, expect, it } from "vitest";
import type { InteractionRow } from "../core/types.ts";
import { Interactions } from "../data/interactions.ts";
import { dot } from "../numeric/vectors.ts";
import { createAttentionKernels } from "../numeric/attention-kernels-wasm.ts";
import { createDenseKernels } from "../numeric/dense-kernels-wasm.ts";
import { mulberry32 } from "../numeric/random.ts";
import { easeSpec } from "./ease.ts";
import { twoClusters } from "./fixtures.ts";
import { gradCheck } from "./neural/grad-check.ts";
import { decodeModel, encodeModel } from "./persist.ts";
import { describeRecommenderContract } from "./recommender.contract.ts";
import { carveValidation, positionsFromEnd, SasRec, SasRecNet, sasrecSpec, trainingBatch, trainingWindow, userSequences } from "./sasrec.ts";
import { resolveParams } from "./spec.ts";

/** Small and quick: the contract's 7-user fixture needs no validation hold-out and no dropout. */
// lr 0.005: at 0.01 the default block layout (layout 1) ranks cluster A's items first for cluster B's users on this fixture of two-item histories;
// at 0.003 the default next-3 objective fails the item-similarity check. This fixture is that small: some seeds fail one check
// whatever the objective (seed 2 with the next-item objective, seeds 1 and 2 with the next-3 one).
// average 0.9: at the default 0.995 the averaged item vectors of this fixture's ~600 steps fail the item-similarity check.
const SMALL = { hidden: 16, maxlen: 5, epochs: 150, patience: 0, dropout: 0, batch: 2, lr: 0.005, average: 0.9 };

describeRecommenderContract(sasrecSpec, { params: SMALL, nextItemOrder: true });

/**
 * Users walk forward around a cycle of `items` items (i, i+1, i+2, ...), each from a random start for 4 to 8
 * steps: the next item is always the successor of the last. A bag of items cannot tell the successor of
 * {i..j} from the predecessor of i: both neighbour the set equally often.
 */
/** Every parameter's gradient from net.backward() after `loss` matches finite differences. */
function expectLossGradient(net: SasRecNet, loss: () => number): void {
  const result = gradCheck({
    params: net.params(),
    loss,
    backward: () => {
      net.backward();
      return [];
    },
    // eps 1e-3: at 5e-3 a step can cross a ReLU's kink in the feed-forward layers (seen with the output projection).
  }, { samples: 12, eps: 1e-3, floor: 1e-2 });
  expect(result.checked).toBeGreaterThan(150);
  expect(result.maxError, result.worst).toBeLessThan(3e-2);
}

function cycleWalks(users: number, items: number, seed: number): Interactions {
  const next = mulberry32(seed);
  const rows: InteractionRow[] = [];
  for (let u = 0; u < users; u++) {
    const start = Math.floor(next() * items);
    const length = 4 + Math.floor(next() * 5);
    for (let t = 0; t < length; t++) rows.push({ user: `u${u}`, item: `i${(start + t) % items}`, value: 1, timestamp: t });
  }
  return Interactions.fromRows(rows);
}

/** Share of histories [s, s+1, s+2] whose best unseen item is s+3. */
function successorHits(data: Interactions, items: number, score: (history: number[], out: Float32Array) => void): number {
  let hits = 0;
  const out = new Float32Array(data.itemCount);
  for (let s = 0; s < items; s++) {
    const history = [0, 1, 2].map((k) => data.items.get(`i${(s + k) % items}`)!);
    score(history, out);
    for (const i of history) out[i] = -Infinity;
    let best = 0;
    for (let i = 1; i < out.length; i++) if (out[i] > out[best]) best = i;
    if (data.items.id(best) === `i${(s + 3) % items}`) hits++;
  }
  return hits / items;
}

describe("sasrec", () => {
  it("learns which item comes next, which a bag-of-items model cannot", async () => {
    const items = 20;
    const data = cycleWalks(300, items, 5);
    const model = sasrecSpec.create(resolveParams(sasrecSpec, { hidden: 16, maxlen: 8, epochs: 60, patience: 0, dropout: 0, batch: 32, lr: 0.01 }));
    await model.fit(data);
    const sasrecHits = successorHits(data, items, (h, out) => model.scoreHistory(h.map((item) => ({ item, weight: 1 })), out));
    const ease = easeSpec.create(resolveParams(easeSpec, { lambda: 10 }));
    await ease.fit(data);
    const easeHits = successorHits(data, items, (h, out) => ease.scoreHistory(h.map((item) => ({ item, weight: 1 })), out));
    // EASE sees the same set in either order: it scores [s, s+1, s+2] and its reverse alike.
    const a = new Float32Array(data.itemCount);
    const b = new Float32Array(data.itemCount);
    ease.scoreHistory([0, 1, 2].map((item) => ({ item, weight: 1 })), a);
    ease.scoreHistory([2, 1, 0].map((item) => ({ item, weight: 1 })), b);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(sasrecHits).toBeGreaterThanOrEqual(0.9);
    expect(easeHits).toBeLessThan(0.75);
  });

  it("places an item from its users' vectors where its users score it above the other cluster's (the mean direction of their vectors)", async () => {
    const { data } = twoClusters({ nextItemOrder: true });
    const model = sasrecSpec.create(resolveParams(sasrecSpec, SMALL));
    await model.fit(data);
    const h = model.factors;
    const history = (u: number) => Array.from(data.matrix.indices.subarray(data.matrix.indptr[u], data.matrix.indptr[u + 1]), (item) => ({ item, weight: 1 }));
    const userVectors = Array.from({ length: data.userCount }, (_, u) => model.foldIn(history(u)));
    const cluster = (i: number) => (Number(data.items.id(i).slice(1)) < 3 ? "A" : "B");
    for (let i = 0; i < data.itemCount; i++) {
      const evidence = model.itemEvidence();
      const raters = Array.from(data.byItem.indices.subarray(data.byItem.indptr[i], data.byItem.indptr[i + 1]));
      for (const u of raters) evidence.add(userVectors[u], 1, true);
      const placed = evidence.solve();
      const outsiders = userVectors.filter((_, u) => !history(u).some((e) => cluster(e.item) === cluster(i)));
      expect(Math.min(...raters.map((u) => dot(placed, userVectors[u]))), data.items.id(i)).toBeGreaterThan(Math.max(...outsiders.map((v) => dot(placed, v))));
    }
    expect(Array.from(model.itemEvidence().solve())).toEqual(new Array(h).fill(0));
    expect(() => model.itemEvidence().add(new Float32Array(h + 1), 1, true)).toThrow(/factors, the model/);
  });

  it("attends over the history it reads, weights summing to 1", async () => {
    const data = cycleWalks(60, 10, 2);
    const model = sasrecSpec.create(resolveParams(sasrecSpec, { ...SMALL, maxlen: 4, epochs: 5 })) as SasRec;
    await model.fit(data);
    const history = [1, 2, 3, 4, 5, 6].map((item) => ({ item, weight: 1 }));
    const attended = model.attentionOver(history);
    // maxlen 4: the newest four items, oldest first.
    expect(attended.map((a) => a.item)).toEqual([3, 4, 5, 6]);
    expect(attended.reduce((s, a) => s + a.weight, 0)).toBeCloseTo(1, 5);
    expect(model.attentionOver([])).toEqual([]);
  });

  it("comes back from the saved model file with the same scores and attention", async () => {
    const data = cycleWalks(40, 10, 3);
    const model = sasrecSpec.create(resolveParams(sasrecSpec, { ...SMALL, epochs: 3 })) as SasRec;
    await model.fit(data);
    const { header, body } = encodeModel({ artifact: model.toArtifact(), users: data.users.toArray(), items: data.items.toArray(), seen: data.matrix });
    const copy = sasrecSpec.restore(decodeModel(header, body, "model.json").artifact) as SasRec;
    const users = Int32Array.from({ length: data.userCount }, (_, u) => u);
    const a = new Float32Array(users.length * data.itemCount);
    const b = new Float32Array(a.length);
    model.scoreUsers(users, a);
    copy.scoreUsers(users, b);
    expect(Array.from(b)).toEqual(Array.from(a));
    const history = [{ item: 1, weight: 1 }, { item: 2, weight: 1 }];
    expect(copy.attentionOver(history)).toEqual(model.attentionOver(history));
    expect(copy.log).toEqual(model.log);
  });

  it("stops early on items held out as P1 does, then keeps the best checked network or retrains for its epochs", async () => {
    const data = cycleWalks(120, 12, 4);
    const params = { hidden: 8, maxlen: 6, epochs: 400, patience: 2, eval_every: 1, dropout: 0, batch: 16, lr: 0.05 };
    const kept = sasrecSpec.create(resolveParams(sasrecSpec, { ...params, refit: 0 })) as SasRec;
    const seen: number[] = [];
    await kept.fit(data, { onEpoch: (r) => seen.push(r.epoch) });
    expect(seen).toEqual(kept.log.map((r) => r.epoch));
    expect(kept.log.length).toBeLessThan(400);
    expect(kept.log.every((r) => r.validation !== undefined && Number.isFinite(r.loss) && r.seconds >= 0)).toBe(true);
    const refit = sasrecSpec.create(resolveParams(sasrecSpec, { ...params, refit: 1 })) as SasRec;
    await refit.fit(data);
    const checked = refit.log.filter((r) => r.validation !== undefined);
    const bestEpoch = checked.reduce((a, b) => (b.validation! > a.validation! ? b : a)).epoch;
    expect(refit.log.length).toBe(checked.length + bestEpoch);
  });

  it("ends with the moving average of its weights when asked to (average), from the same training steps", async () => {
    const data = cycleWalks(60, 10, 6);
    const params = resolveParams(sasrecSpec, { ...SMALL, epochs: 3, average: 0 });
    const start = new SasRecNet(params, data.itemCount, { dense: createDenseKernels(), attention: createAttentionKernels() }).itemTable.value;
    const live = sasrecSpec.create(params) as SasRec;
    await live.fit(data);
    const slow = sasrecSpec.create({ ...params, average: 0.9999 }) as SasRec;
    await slow.fit(data);
    const distance = (a: Float32Array) => Math.sqrt(a.reduce((s, v, i) => s + (v - start[i]) ** 2, 0));
    // About 90 steps at a decay of 0.9999 keep the average within 1% of the way from the start to the live weights.
    expect(distance(live.itemVectors())).toBeGreaterThan(0.1);
    expect(distance(slow.itemVectors())).toBeLessThan(0.01 * distance(live.itemVectors()));
    expect(slow.log.map((r) => r.loss)).toEqual(live.log.map((r) => r.loss));
  });

  it("trains on the next item, or with a horizon on one drawn from the next `horizon` items of the sequence", () => {
    const sequences = [Int32Array.from([10, 11, 12, 13, 14, 15]), Int32Array.from([20, 21])];
    const users = Int32Array.from([0, 1]);
    const next = trainingBatch(users, sequences, 4);
    expect(Array.from(next.inputs)).toEqual([11, 12, 13, 14, 20]);
    expect(Array.from(next.targets)).toEqual([12, 13, 14, 15, 21]);
    const draws = mulberry32(3);
    const seen = Array.from({ length: 5 }, () => new Set<number>());
    for (let k = 0; k < 200; k++) {
      const b = trainingBatch(users, sequences, 4, 3, draws);
      expect(Array.from(b.inputs)).toEqual(Array.from(next.inputs));
      b.targets.forEach((t, i) => seen[i].add(t));
    }
    // Input 11 may target 12, 13 or 14; input 13 only what is left (14, 15); the last input its one successor.
    expect(seen.map((s) => [...s].sort((a, b) => a - b))).toEqual([[12, 13, 14], [13, 14, 15], [14, 15], [15], [21]]);
    // every: each item of the horizon is a target, scored by its input's row.
    const all = trainingBatch(users, sequences, 4, 3, draws, true);
    expect(Array.from(all.targets)).toEqual([12, 13, 14, 13, 14, 15, 14, 15, 15, 21]);
    expect(Array.from(all.rows!)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 3, 4]);
    expect(Array.from(all.pairOffsets)).toEqual([0, 9, 10]);
  });

  it("scores several targets by one position's output, with the gradient by finite differences", () => {
    const params = resolveParams(sasrecSpec, { hidden: 8, maxlen: 5, dropout: 0 });
    const net = new SasRecNet(params, 12, { dense: createDenseKernels(), attention: createAttentionKernels() });
    const offsets = Int32Array.from([0, 3, 5]);
    const items = Int32Array.from([1, 4, 2, 7, 3]);
    const targets = Int32Array.from([4, 2, 7, 2, 7, 7, 3, 9, 9]);
    const rows = Int32Array.from([0, 0, 0, 1, 1, 2, 3, 3, 4]);
    const negatives = Int32Array.from([8, 6, 10, 1, 5, 3, 6, 0, 11]);
    expectLossGradient(net, () => net.loss(items, offsets, targets, negatives, true, rows));
  });

  it("trains the same network twice from one seed with dropout on the attention weights, a horizon and training windows", async () => {
    const data = cycleWalks(40, 10, 8);
    const params = resolveParams(sasrecSpec, { ...SMALL, epochs: 3, dropout: 0.3, weight_dropout: 1, horizon: 3, every_positive: 1, windows: 1 });
    const a = sasrecSpec.create(params) as SasRec;
    const b = sasrecSpec.create(params) as SasRec;
    await a.fit(data);
    await b.fit(data);
    expect(Array.from(b.itemVectors())).toEqual(Array.from(a.itemVectors()));
    const output = sasrecSpec.create({ ...params, weight_dropout: 0 }) as SasRec;
    await output.fit(data);
    expect(output.log.map((r) => r.loss)).not.toEqual(a.log.map((r) => r.loss));
  });

  it("trains on the newest items, or (windows) on a seeded window ending anywhere in the history", () => {
    const history = Int32Array.from({ length: 12 }, (_, k) => 100 + k);
    const draws = mulberry32(5);
    const untouched = mulberry32(5);
    // windows 0: the history itself, and no draw taken, so the batches are today's.
    expect(trainingWindow(history, 4, 0, draws)).toBe(history);
    expect(draws()).toBe(untouched());
    const ends = new Set<number>();
    const starts = new Set<number>();
    for (let k = 0; k < 300; k++) {
      const w = trainingWindow(history, 4, 1, draws);
      // A full window (maxlen + 1 items), consecutive items of the history.
      expect(w.length).toBe(5);
      expect(Array.from(w)).toEqual(Array.from(history.subarray(w[0] - 100, w[0] - 100 + 5)));
      ends.add(w[w.length - 1]);
    }
    expect([...ends].sort((a, b) => a - b)).toEqual([104, 105, 106, 107, 108, 109, 110, 111]);
    for (let k = 0; k < 300; k++) {
      const w = trainingWindow(history, 4, 2, draws);
      expect(w.length).toBeGreaterThanOrEqual(2);
      expect(w.length).toBeLessThanOrEqual(5);
      expect(Array.from(w)).toEqual(Array.from(history.subarray(w[0] - 100, w[0] - 100 + w.length)));
      starts.add(w[0]);
      ends.add(w[w.length - 1]);
    }
    expect(Math.min(...ends)).toBe(101);
    expect(starts.size).toBe(8);
    // A history shorter than a window is read whole.
    const short = Int32Array.from([1, 2, 3]);
    expect(Array.from(trainingWindow(short, 4, 1, draws))).toEqual([1, 2, 3]);
    // Seeded: the same draws give the same windows.
    const a = mulberry32(9);
    const b = mulberry32(9);
    for (let k = 0; k < 20; k++) expect(Array.from(trainingWindow(history, 4, 1, a))).toEqual(Array.from(trainingWindow(history, 4, 1, b)));
  });

  it("holds out each user's newest fifth, as P1", () => {
    const carved = carveValidation([Int32Array.from([1, 2, 3, 4]), Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])]);
    expect(Array.from(carved.users)).toEqual([1]);
    expect(Array.from(carved.train[0])).toEqual([1, 2, 3, 4]);
    expect(Array.from(carved.train[1])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...carved.relevant[1]]).toEqual([10, 11]);
  });

  it("reads each user's items oldest first and numbers positions from the newest", () => {
    const rows: InteractionRow[] = [
      { user: "a", item: "x", value: 1, timestamp: 3 },
      { user: "a", item: "y", value: 1, timestamp: 1 },
      { user: "a", item: "z", value: 1, timestamp: 2 },
    ];
    const data = Interactions.fromRows(rows);
    expect(Array.from(userSequences(data)[0], (i) => data.items.id(i))).toEqual(["y", "z", "x"]);
    expect(Array.from(positionsFromEnd(Int32Array.from([0, 2, 5]), 4))).toEqual([2, 3, 1, 2, 3]);
  });

  for (const [kernels, layout, projection] of [["js", 0, 0], ["auto", 0, 0], ["js", 1, 1], ["auto", 1, 0]] as const) {
    it(`has the gradient of its loss by finite differences, every parameter (${kernels} kernels, layout ${layout}, projection ${projection})`, () => {
      // weight_dropout 1 at dropout 0 drops nothing: the same network as 0.
      const params = resolveParams(sasrecSpec, { hidden: 8, heads: 2, maxlen: 5, dropout: 0, layout, projection, weight_dropout: layout });
      const net = new SasRecNet(params, 12, { dense: createDenseKernels(kernels), attention: createAttentionKernels(kernels) });
      const offsets = Int32Array.from([0, 5, 7]);
      const items = Int32Array.from([1, 4, 2, 7, 3, 9, 0]);
      const targets = Int32Array.from([4, 2, 7, 3, 5, 0, 11]);
      const negatives = Int32Array.from([8, 6, 10, 1, 2, 3, 6]);
      expectLossGradient(net, () => net.loss(items, offsets, targets, negatives, true));
    });
  }
});
