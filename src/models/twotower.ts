import { InputError } from "../core/errors.ts";
import type { ItemWeight } from "../core/types.ts";
import type { Interactions } from "../data/interactions.ts";
import type { TrainingKernels } from "../numeric/training-kernels.ts";
import { createTrainingKernels } from "../numeric/training-kernels-wasm.ts";
import { createFactorScorer, type FactorScorer } from "../numeric/factor-scorer.ts";
import { mulberry32, shuffle } from "../numeric/random.ts";
import { Relu } from "./neural/activations.ts";
import { Adam } from "./neural/adam.ts";
import { Dense } from "./neural/dense.ts";
import { type Bags, Embedding, EmbeddingBag } from "./neural/embedding.ts";
import { L2Normalize, normalizeRows } from "./neural/l2-normalize.ts";
import { inBatchSoftmax } from "./neural/losses.ts";
import { normalArray, tableParam } from "./neural/param.ts";
import { Sequential } from "./neural/sequential.ts";
import { ndcgAt10 } from "./neural/validation-ndcg.ts";
import { type Matrix, matrix, type Param } from "./neural/types.ts";
import type { ContentEncoder, EpochReport, FactorRecommender, FitOptions, ItemContentInput, ItemEvidence, ItemFoldIn, ModelArtifact, Params } from "./recommender.ts";
import { MeanDirectionEvidence } from "./item-evidence.ts";
import type { ModelSpec } from "./spec.ts";
import { contentBags, type HashedVocabularyOptions } from "./twotower-features.ts";

/** Each user's items oldest first: user u's are items[offsets[u] .. offsets[u+1]). */
interface Sequences {
  offsets: Int32Array;
  items: Int32Array;
}

/** The layers of both towers. The item id table is shared: it is the item tower's id part and what the user tower pools. */
class Towers {
  readonly idTable: Param;
  readonly featureTable: Param;
  readonly userTable?: Param;
  readonly itemIds: Embedding;
  readonly history: EmbeddingBag;
  readonly features: EmbeddingBag;
  readonly users?: Embedding;
  readonly mlp: Sequential;
  readonly itemNorm = new L2Normalize();
  readonly userNorm = new L2Normalize();

  constructor(p: Params, items: number, users: number, kernels: TrainingKernels) {
    const next = mulberry32(p.seed);
    const d = p.dim;
    const table = (name: string, rows: number) => tableParam(name, rows, d, normalArray(rows * d, p.init_std, next), (n) => kernels.allocate(n));
    this.idTable = table("items", items);
    this.featureTable = table("features", 2 ** p.hash_bits);
    if (p.user_id) this.userTable = table("users", users);
    this.itemIds = new Embedding(this.idTable, kernels);
    this.history = new EmbeddingBag(this.idTable, kernels);
    this.features = new EmbeddingBag(this.featureTable, kernels);
    if (this.userTable) this.users = new Embedding(this.userTable, kernels);
    this.mlp = new Sequential([new Dense("mlp.0", d, p.hidden, next, kernels), new Relu(), new Dense("mlp.1", p.hidden, d, next, kernels)]);
  }

  /** Every trainable parameter once. */
  params(): Param[] {
    return [this.idTable, this.featureTable, ...(this.userTable ? [this.userTable] : []), ...this.mlp.params()];
  }

  /** The parameters an artifact keeps (the user table is not needed once user vectors are computed). */
  savedParams(): Param[] {
    return [this.idTable, this.featureTable, ...this.mlp.params()];
  }
}

/** Per epoch of the validation phase: what it scored, for choosing the epoch count. */
interface ValidationSet {
  /** The users held out, their fit-part sequences being those of the training Sequences. */
  users: Int32Array;
  relevant: Array<Set<number>>;
}

/**
 * Two-tower retrieval with content features. Item tower: the item's content (genres, decade, year bins,
 * title words, tags and description words through a hashed vocabulary: twotower-features.ts) summed from a
 * feature table, through an MLP, plus the item's id embedding, L2-normalised. User tower: the recency-weighted
 * mean of the id embeddings of the history's last `max_history` items (weight exp(-age / pool_tau), age 0 the
 * newest), plus the user's id embedding when the user is known, L2-normalised. Trained on next-item
 * prediction (each training row, the history before it) with an in-batch sampled softmax over cosine /
 * temperature with logQ correction, Adam (lazy on the tables). The number of epochs is chosen by early
 * stopping on NDCG@10 of a validation split carved from the training data (each user's last 20%), then the
 * model is refitted on all of it for that many epochs.
 *
 * Serving: itemVectors() are the item tower's outputs and foldIn() the user tower over a history, so the
 * model is served through the vector index like any factor model; encodeContent() is the item tower without
 * the id embedding, placing a new item in the same space.
 */
export class TwoTower implements FactorRecommender, ContentEncoder, ItemFoldIn {
  readonly name = "twotower";
  readonly factors: number;
  /** Each epoch of the last fit. */
  epochs: EpochReport[] = [];
  /** The epoch count chosen on validation (or params.epochs without validation). */
  chosenEpochs = 0;
  private towers?: Towers;
  private kernelsCache?: TrainingKernels;
  private itemVecs: Float32Array = new Float32Array(0);
  private userVecs: Float32Array = new Float32Array(0);
  private scorer?: FactorScorer;
  /** The content bags of the trained items, kept so item vectors can be recomputed. */
  private itemBags: Bags = { offsets: new Int32Array(1), ids: new Int32Array(0), weights: new Float32Array(0) };
  private contentOptions: HashedVocabularyOptions;

  constructor(readonly params: Params) {
    this.factors = params.dim;
    this.contentOptions = { bits: params.hash_bits, tags: params.tags === 1, text: params.text === 1 };
  }

  get itemCount(): number {
    return this.itemVecs.length / this.factors;
  }

  /** The kernels of the towers being trained or served (each fit makes fresh ones, on the threads registered then). */
  private get kernels(): TrainingKernels {
    this.kernelsCache ??= createTrainingKernels();
    return this.kernelsCache;
  }

  /** Which kernels training ran on ("wasm-simd, N threads" or "typescript (why)"). */
  get kernelsLabel(): string {
    return this.kernels.label;
  }

  async fit(data: Interactions, opts: FitOptions = {}): Promise<void> {
    if (!data.ages) throw new InputError("twotower needs the interactions' time order (Interactions.fromRows keeps it)");
    const items = data.itemCount;
    const bags = contentBags(Array.from({ length: items }, (_, i) => opts.items?.[i]), this.contentOptions);
    const all = sequencesOf(data);
    const maxEpochs = this.params.epochs;
    this.epochs = [];
    let done = 0;
    const progress = (total: number) => opts.onProgress?.(++done, total);
    let chosen = maxEpochs;
    if (this.params.validate) {
      const { fit, validation } = carveValidation(all);
      let best = -Infinity;
      chosen = 0;
      this.train(fit, data.userCount, items, bags, maxEpochs, (epoch, report) => {
        const metric = this.validationNdcg(fit, validation, data.userCount);
        const e: EpochReport = { phase: "validate", epoch, ...report, validation: metric };
        this.epochs.push(e);
        opts.onEpoch?.(e);
        progress(2 * maxEpochs);
        if (metric > best) {
          best = metric;
          chosen = epoch;
        }
        return epoch - chosen < this.params.patience;
      }, opts.cpuClock);
      chosen = Math.max(chosen, 1);
    }
    this.chosenEpochs = chosen;
    const total = done + chosen;
    this.train(all, data.userCount, items, bags, chosen, (epoch, report) => {
      const e: EpochReport = { phase: "final", epoch, ...report };
      this.epochs.push(e);
      opts.onEpoch?.(e);
      progress(total);
      return true;
    }, opts.cpuClock);
    this.userVecs = this.knownUserVectors(all, data.userCount);
  }

  /**
   * Fresh towers trained for up to `epochs` epochs on next-item prediction over `seqs`; after each epoch
   * the item vectors are recomputed and `after` is told, and training stops when it returns false.
   */
  private train(
    seqs: Sequences,
    users: number,
    items: number,
    bags: Bags,
    epochs: number,
    after: (epoch: number, report: { loss: number; seconds: number; cpuSeconds?: number }) => boolean,
    cpuClock?: () => number,
  ): void {
    const p = this.params;
    this.kernelsCache = createTrainingKernels();
    const t = (this.towers = new Towers(p, items, users, this.kernels));
    // In the kernels' memory: every step reads the batch's bags in place.
    this.itemBags = { offsets: this.kernels.keep(bags.offsets), ids: this.kernels.keep(bags.ids), weights: this.kernels.keep(bags.weights) };
    const adam = new Adam({ lr: p.lr, weightDecay: p.weight_decay, kernels: this.kernels });
    const params = t.params();
    const next = mulberry32(p.seed + 1);
    // Samples: every position of every sequence; the history is what came before it.
    const sampleUser = new Int32Array(seqs.items.length);
    for (let u = 0; u < users; u++) sampleUser.fill(u, seqs.offsets[u], seqs.offsets[u + 1]);
    const order = Int32Array.from({ length: seqs.items.length }, (_, i) => i);
    const counts = new Float64Array(items);
    for (const i of seqs.items) counts[i]++;
    const logQ = Float32Array.from(counts, (c) => Math.log(Math.max(c, 1) / seqs.items.length));
    const decay = poolWeights(p.max_history, p.pool_tau);
    const history: Bags = { offsets: new Int32Array(p.batch + 1), ids: new Int32Array(p.batch * p.max_history), weights: new Float32Array(p.batch * p.max_history) };
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const t0 = performance.now();
      const cpu0 = cpuClock?.();
      shuffle(order, next);
      let lossSum = 0;
      let batches = 0;
      for (let start = 0; start < order.length; start += p.batch) {
        const rows = order.subarray(start, Math.min(order.length, start + p.batch));
        if (rows.length < 2) continue;
        lossSum += this.step(t, adam, params, rows, seqs, sampleUser, logQ, decay, history, next);
        batches++;
      }
      const seconds = (performance.now() - t0) / 1000;
      const cpuSeconds = cpu0 === undefined ? undefined : cpuClock!() - cpu0;
      this.itemVecs = this.computeItemVectors(items);
      this.scorer = undefined;
      if (!after(epoch, { loss: lossSum / Math.max(batches, 1), seconds, ...(cpuSeconds === undefined ? {} : { cpuSeconds }) })) break;
    }
  }

  /** One Adam step on the batch of sample positions `rows`; returns the batch loss. */
  private step(t: Towers, adam: Adam, params: Param[], rows: Int32Array, seqs: Sequences, sampleUser: Int32Array, logQ: Float32Array, decay: Float32Array, history: Bags, next: () => number): number {
    const p = this.params;
    const b = rows.length;
    const d = p.dim;
    const targets = new Int32Array(b);
    const users = new Int32Array(b);
    for (let r = 0; r < b; r++) {
      targets[r] = seqs.items[rows[r]];
      users[r] = sampleUser[rows[r]];
    }
    // Item tower: MLP(content) + id embedding, normalised; an item's id is dropped with probability id_dropout.
    const content = t.mlp.forward(t.features.forward({ ...this.itemBags, select: targets }), true);
    const ids = t.itemIds.forward(targets);
    const keep = new Float32Array(b).fill(1);
    if (p.id_dropout > 0) for (let r = 0; r < b; r++) if (next() < p.id_dropout) keep[r] = 0;
    const z = matrix(b, d);
    const [zd, cd, idd] = [z.data, content.data, ids.data];
    for (let r = 0; r < b; r++) for (let j = r * d; j < (r + 1) * d; j++) zd[j] = cd[j] + keep[r] * idd[j];
    const v = t.itemNorm.forward(z);
    // User tower: pooled history (+ user embedding), normalised.
    const pooled = t.history.forward(historyBags(seqs, rows, sampleUser, decay, history));
    if (t.users) {
      const [pd, ed] = [pooled.data, t.users.forward(users).data];
      for (let i = 0; i < pd.length; i++) pd[i] += ed[i];
    }
    const u = t.userNorm.forward(pooled);
    const loss = inBatchSoftmax(u, v, { temperature: p.temperature, logQ: p.logq ? gather(logQ, targets) : undefined, items: targets }, this.kernels);
    const dz = t.itemNorm.backward(loss.gradKeys);
    t.features.backward(t.mlp.backward(dz));
    for (let r = 0; r < b; r++) if (keep[r] === 0) dz.data.fill(0, r * d, (r + 1) * d);
    t.itemIds.backward(dz);
    const dp = t.userNorm.backward(loss.gradQueries);
    t.history.backward(dp);
    t.users?.backward(dp);
    adam.step(params);
    return loss.loss;
  }

  /** The item tower over every item (no dropout), in chunks. */
  private computeItemVectors(items: number): Float32Array {
    const d = this.factors;
    const out = new Float32Array(items * d);
    const CHUNK = 1024;
    for (let start = 0; start < items; start += CHUNK) {
      const rows = Int32Array.from({ length: Math.min(CHUNK, items - start) }, (_, k) => start + k);
      const content = this.contentVectors({ ...this.itemBags, select: rows });
      const ids = this.towers!.idTable.value;
      for (let k = 0; k < rows.length; k++) for (let j = 0; j < d; j++) content.data[k * d + j] += ids[rows[k] * d + j];
      normalizeRows(content.data, rows.length, d, out.subarray(start * d, (start + rows.length) * d));
    }
    return out;
  }

  /** MLP(feature bag sums) for some bags, before the id embedding and normalisation. */
  private contentVectors(bags: Bags): Matrix {
    const t = this.towers!;
    return t.mlp.forward(t.features.forward(bags), false);
  }

  encodeContent(item: ItemContentInput): Float32Array {
    if (!this.towers) throw new InputError("twotower: fit or restore the model before encoding content");
    const v = this.contentVectors(contentBags([item], this.contentOptions)).data;
    const out = new Float32Array(this.factors);
    normalizeRows(v, 1, this.factors, out);
    return out;
  }

  /** Pooled id embeddings of a user's sequence (+ the user embedding), normalised, for every user. */
  private knownUserVectors(seqs: Sequences, users: number): Float32Array {
    const d = this.factors;
    const out = new Float32Array(users * d);
    const decay = poolWeights(this.params.max_history, this.params.pool_tau);
    const t = this.towers!;
    for (let u = 0; u < users; u++) {
      const row = out.subarray(u * d, (u + 1) * d);
      const from = Math.max(seqs.offsets[u], seqs.offsets[u + 1] - this.params.max_history);
      const history: ItemWeight[] = [];
      for (let q = from; q < seqs.offsets[u + 1]; q++) history.push({ item: seqs.items[q], weight: 1, recency: decay[seqs.offsets[u + 1] - 1 - q] });
      row.set(this.pool(history));
      if (t.userTable) for (let j = 0; j < d; j++) row[j] += t.userTable.value[u * d + j];
      normalizeRows(row, 1, d, row);
    }
    return out;
  }

  /** Weighted mean of the history's id embeddings (zeros for an empty history). */
  private pool(history: readonly ItemWeight[]): Float32Array {
    const d = this.factors;
    const ids = this.towers!.idTable.value;
    const out = new Float32Array(d);
    let total = 0;
    for (const h of history) {
      const w = h.weight * (h.recency ?? 1);
      total += w;
      for (let j = 0; j < d; j++) out[j] += w * ids[h.item * d + j];
    }
    if (total > 0) for (let j = 0; j < d; j++) out[j] /= total;
    return out;
  }

  /** NDCG@10 of the held-out users: the user tower over their fit part against every item, their fit items excluded. */
  private validationNdcg(fit: Sequences, validation: ValidationSet, users: number): number {
    const d = this.factors;
    const n = this.itemCount;
    const vectors = this.knownUserVectors(fit, users);
    const scorer = createFactorScorer(this.itemVecs, d);
    const scores = new Float32Array(n);
    let sum = 0;
    validation.users.forEach((u, j) => {
      scorer.score(vectors.subarray(u * d, (u + 1) * d), 1, scores);
      for (let q = fit.offsets[u]; q < fit.offsets[u + 1]; q++) scores[fit.items[q]] = -Infinity;
      sum += ndcgAt10(scores, validation.relevant[j]);
    });
    return sum / Math.max(validation.users.length, 1);
  }

  private scoring(): FactorScorer {
    this.scorer ??= createFactorScorer(this.itemVecs, this.factors);
    return this.scorer;
  }

  scoreUsers(users: Int32Array, out: Float32Array): void {
    const d = this.factors;
    const userCount = this.userVecs.length / d;
    const rows = new Float32Array(users.length * d);
    users.forEach((u, j) => {
      if (!(u >= 0 && u < userCount)) throw new InputError(`user index ${u} is outside the fitted ${userCount} users`);
      rows.set(this.userVecs.subarray(u * d, (u + 1) * d), j * d);
    });
    this.scoring().score(rows, users.length, out);
  }

  scoreHistory(history: readonly ItemWeight[], out: Float32Array): void {
    this.scoring().score(this.foldIn(history), 1, out);
  }

  /** Cosine of the item vectors (they are unit vectors). */
  scoreSimilar(item: number, out: Float32Array): void {
    const d = this.factors;
    this.scoring().score(this.itemVecs.subarray(item * d, (item + 1) * d), 1, out);
  }

  itemVectors(): Float32Array {
    return this.itemVecs;
  }

  /** An item the model never trained on points where its users do (MeanDirectionEvidence: the towers score by cosine). */
  itemEvidence(): ItemEvidence {
    return new MeanDirectionEvidence(this.factors);
  }

  /**
   * The user tower over a history the model never saw (no user embedding): its last max_history events,
   * each weighted by its weight times its recency factor when the caller gives one, else by the model's own
   * decay by position (the history is read oldest first).
   */
  foldIn(history: readonly ItemWeight[]): Float32Array {
    const n = this.itemCount;
    for (const h of history) if (!Number.isInteger(h.item) || h.item < 0 || h.item >= n) throw new InputError(`history item index ${h.item} is outside the ${n} items`);
    const recent = history.slice(Math.max(0, history.length - this.params.max_history));
    const decay = poolWeights(this.params.max_history, this.params.pool_tau);
    const weighted = recent.map((h, k) => ({ item: h.item, weight: h.weight, recency: h.recency ?? decay[recent.length - 1 - k] }));
    const v = this.pool(weighted);
    normalizeRows(v, 1, this.factors, v);
    return v;
  }

  toArtifact(): ModelArtifact {
    if (!this.towers) throw new InputError("twotower: nothing to save before fit");
    const arrays: Record<string, Float32Array | Int32Array> = {
      itemVectors: this.itemVecs,
      userVectors: this.userVecs,
      "bags.offsets": this.itemBags.offsets,
      "bags.ids": this.itemBags.ids,
      "bags.weights": this.itemBags.weights,
    };
    for (const p of this.towers.savedParams()) arrays[`param.${p.name}`] = p.value;
    return {
      model: this.name,
      params: this.params,
      meta: { users: this.userVecs.length / this.factors, items: this.itemCount, chosenEpochs: this.chosenEpochs, hashing: "fnv1a-32", ...this.contentOptions },
      arrays,
    };
  }

  static restore(a: ModelArtifact): TwoTower {
    const m = new TwoTower(a.params);
    const f32 = (name: string): Float32Array => {
      const x = a.arrays[name];
      if (!(x instanceof Float32Array)) throw new InputError(`twotower artifact: ${name} is missing or not float32`);
      return x;
    };
    const i32 = (name: string): Int32Array => {
      const x = a.arrays[name];
      if (!(x instanceof Int32Array)) throw new InputError(`twotower artifact: ${name} is missing or not int32`);
      return x;
    };
    m.itemVecs = f32("itemVectors");
    m.userVecs = f32("userVectors");
    const d = m.factors;
    if (m.itemVecs.length % d !== 0 || m.userVecs.length % d !== 0) throw new InputError(`twotower artifact: vectors are not multiples of dim=${d}`);
    m.itemBags = { offsets: i32("bags.offsets"), ids: i32("bags.ids"), weights: f32("bags.weights") };
    const towers = new Towers({ ...a.params, user_id: 0 }, m.itemCount, 0, m.kernels);
    for (const p of towers.savedParams()) {
      const saved = f32(`param.${p.name}`);
      if (saved.length !== p.value.length) throw new InputError(`twotower artifact: param.${p.name} has ${saved.length} values, expected ${p.value.length}`);
      p.value.set(saved);
    }
    m.towers = towers;
    m.chosenEpochs = Number((a.meta as { chosenEpochs?: number } | undefined)?.chosenEpochs ?? 0);
    return m;
  }
}

/** Pooling weight by age (0 = newest) for ages below maxHistory: exp(-age / tau), or 1 with tau = 0. */
function poolWeights(maxHistory: number, tau: number): Float32Array {
  return Float32Array.from({ length: maxHistory }, (_, age) => (tau > 0 ? Math.exp(-age / tau) : 1));
}

/**
 * The history bag of each sample: the user's previous (up to decay.length) items, weights normalised to sum 1.
 * Written into `into` (room for rows.length * decay.length entries), reused from step to step: the history
 * layer holds a step's bags only until that step's backward pass.
 */
function historyBags(seqs: Sequences, rows: Int32Array, sampleUser: Int32Array, decay: Float32Array, into: Bags): Bags {
  const { offsets, ids, weights } = into;
  let at = 0;
  for (let r = 0; r < rows.length; r++) {
    const pos = rows[r];
    const from = Math.max(seqs.offsets[sampleUser[pos]], pos - decay.length);
    let total = 0;
    for (let q = from; q < pos; q++) total += decay[pos - 1 - q];
    for (let q = from; q < pos; q++) {
      ids[at] = seqs.items[q];
      weights[at++] = decay[pos - 1 - q] / total;
    }
    offsets[r + 1] = at;
  }
  return { offsets: offsets.subarray(0, rows.length + 1), ids: ids.subarray(0, at), weights: weights.subarray(0, at) };
}

function gather(values: Float32Array, at: Int32Array): Float32Array {
  return Float32Array.from(at, (i) => values[i]);
}

/** Each user's items, oldest first (by Interactions.ages). */
function sequencesOf(data: Interactions): Sequences {
  const m = data.matrix;
  const ages = data.ages!;
  const items = new Int32Array(m.indices.length);
  for (let u = 0; u < m.rows; u++) {
    const start = m.indptr[u];
    const len = m.indptr[u + 1] - start;
    // age 0 is the newest, so the entry of age a goes to position len - 1 - a.
    for (let p = start; p < m.indptr[u + 1]; p++) items[start + len - 1 - ages[p]] = m.indices[p];
  }
  return { offsets: m.indptr.slice(), items };
}

/**
 * Protocol P1's rule applied to the training sequences: a user with n >= 5 items holds out the last
 * max(1, floor(0.2 n)) for validation. Returns the remaining sequences and the held-out sets.
 */
function carveValidation(all: Sequences): { fit: Sequences; validation: ValidationSet } {
  const users = all.offsets.length - 1;
  const offsets = new Int32Array(users + 1);
  const kept: number[] = [];
  const heldUsers: number[] = [];
  const relevant: Array<Set<number>> = [];
  for (let u = 0; u < users; u++) {
    const seq = all.items.subarray(all.offsets[u], all.offsets[u + 1]);
    const held = seq.length >= 5 ? Math.max(1, Math.floor(0.2 * seq.length)) : 0;
    for (let q = 0; q < seq.length - held; q++) kept.push(seq[q]);
    offsets[u + 1] = kept.length;
    if (held > 0) {
      heldUsers.push(u);
      relevant.push(new Set(seq.subarray(seq.length - held)));
    }
  }
  return { fit: { offsets, items: Int32Array.from(kept) }, validation: { users: Int32Array.from(heldUsers), relevant } };
}

export const twoTowerSpec: ModelSpec<TwoTower> = {
  name: "twotower",
  summary: "two-tower retrieval: item tower over content + id, user tower pooling the history, in-batch softmax with logQ",
  // dim 64, batch 512, Adam 1e-3, temperature 0.1: the PyTorch reference's configuration. max_history and
  // pool_tau chosen by the best validation NDCG@10 of the early-stopping run (each user's last 20% of the
  // ml-latest-small P1 train rows, never test), max_history 20: pool_tau 10 0.1694 (epoch 18) against
  // pool_tau 0 0.1648 (epoch 18); a 50-item window cost 2.5x the pooling work per step.
  params: {
    dim: { default: 64, min: 2, max: 1024, integer: true, help: "output dimension of both towers" },
    hidden: { default: 128, min: 1, max: 4096, integer: true, help: "hidden units of the item tower's content MLP" },
    batch: { default: 512, min: 2, max: 65536, integer: true, help: "training rows per step (and in-batch negatives)" },
    lr: { default: 1e-3, min: 1e-6, max: 1, help: "Adam learning rate" },
    weight_decay: { default: 0, min: 0, max: 1, help: "decoupled (AdamW) weight decay on the rows a step updates" },
    temperature: { default: 0.1, min: 1e-3, max: 10, help: "softmax temperature over cosine scores" },
    logq: { default: 1, min: 0, max: 1, integer: true, help: "1 subtracts log(item frequency) from the in-batch logits" },
    epochs: { default: 30, min: 1, max: 1000, integer: true, help: "most epochs (early stopping picks fewer on validation)" },
    patience: { default: 3, min: 1, max: 100, integer: true, help: "epochs without a better validation NDCG@10 before stopping" },
    validate: { default: 1, min: 0, max: 1, integer: true, help: "1 chooses the epoch count on validation carved from train, then refits; 0 trains `epochs`" },
    max_history: { default: 20, min: 1, max: 10000, integer: true, help: "the user tower pools this many of the latest items" },
    pool_tau: { default: 10, min: 0, max: 1e6, help: "pooling weight exp(-age / pool_tau) by position from the newest; 0 weighs all alike" },
    user_id: { default: 1, min: 0, max: 1, integer: true, help: "1 adds a user id embedding for known users" },
    id_dropout: { default: 0, min: 0, max: 0.99, help: "probability of dropping an item's id embedding in a training row (teaches the content tower to stand alone)" },
    init_std: { default: 0.1, min: 1e-6, max: 10, help: "standard deviation of the embedding tables' starting values" },
    hash_bits: { default: 15, min: 4, max: 24, integer: true, help: "2^hash_bits buckets in the hashed content vocabulary" },
    tags: { default: 1, min: 0, max: 1, integer: true, help: "1 reads the items' tags" },
    text: { default: 1, min: 0, max: 1, integer: true, help: "1 reads the words of the items' descriptions" },
    seed: { default: 42, min: 0, max: 2 ** 32 - 1, integer: true, help: "initialisation, shuffling and dropout" },
  },
  create: (params) => new TwoTower(params),
  restore: (artifact) => TwoTower.restore(artifact),
};
