import { effectiveWeight, type ItemWeight } from "../core/types.ts";
import { type Csr, transpose } from "../data/csr.ts";
import type { Interactions } from "../data/interactions.ts";
import { csrArrays, csrFromArtifact } from "./csr-artifact.ts";
import { addScaledRow, CosineIndex, cosineNeighbours, pruneRow } from "./knn.ts";
import { binarise, EMPTY_CSR } from "./matrix.ts";
import type { ModelArtifact, Params, Recommender } from "./recommender.ts";
import type { ModelSpec } from "./spec.ts";

/**
 * User-based kNN: cosine user-user similarity on binarised interactions, the k most similar users kept (ties
 * kept, so possibly more), score_j = sum over neighbours v of sim(u, v) * x_vj.
 * Unlike item-kNN's reference rule, `k` here means k neighbours.
 * Fold-in: the history's cosine (weights as values) with every training user, pruned and summed the same way;
 * a history identical to a training user's finds that user as its nearest neighbour, which only adds weight
 * to items the history already holds.
 * scoreSimilar: unpruned cosine between item columns, since the model keeps no item-item matrix.
 */
export class UserKnn implements Recommender {
  readonly name = "userknn";
  /** Cosines against the binarised user x item training rows. */
  private users = new CosineIndex(EMPTY_CSR);
  /** Pruned user x user similarities of the training users. */
  private neighbours: Csr = EMPTY_CSR;
  /** Item x user cosines for scoreSimilar, built on first use. */
  private items?: CosineIndex;

  constructor(readonly params: Params) {}

  get itemCount(): number {
    return this.users.rows.cols;
  }

  async fit(data: Interactions): Promise<void> {
    this.users = new CosineIndex(binarise(data.matrix), this.params.shrink ?? 0);
    this.neighbours = cosineNeighbours(this.users, this.params.k);
    this.items = undefined;
  }

  scoreUsers(users: Int32Array, out: Float32Array): void {
    const n = this.itemCount;
    const { indptr, indices, values } = this.neighbours;
    for (let j = 0; j < users.length; j++) {
      const row = out.subarray(j * n, (j + 1) * n);
      row.fill(0);
      const u = users[j];
      if (u >= this.neighbours.rows) continue;
      for (let p = indptr[u]; p < indptr[u + 1]; p++) addScaledRow(this.users.rows, indices[p], values[p], row);
    }
  }

  scoreHistory(history: readonly ItemWeight[], out: Float32Array): void {
    const near = this.users.similarTo(history.map((h) => h.item), history.map(effectiveWeight));
    pruneRow(near, this.params.k, -1);
    out.fill(0);
    for (let t = 0; t < near.count; t++) addScaledRow(this.users.rows, near.ids[t], near.values[t], out);
  }

  scoreSimilar(item: number, out: Float32Array): void {
    this.items ??= new CosineIndex(transpose(this.users.rows));
    const row = this.items.similarToRow(item);
    out.fill(0);
    for (let t = 0; t < row.count; t++) out[row.ids[t]] = row.values[t];
  }

  toArtifact(): ModelArtifact {
    return {
      model: this.name,
      params: this.params,
      arrays: { ...csrArrays("x", this.users.rows), ...csrArrays("neighbours", this.neighbours) },
    };
  }

  static restore(a: ModelArtifact): UserKnn {
    const m = new UserKnn(a.params);
    m.users = new CosineIndex(csrFromArtifact(a, "x"), a.params.shrink ?? 0);
    m.neighbours = csrFromArtifact(a, "neighbours");
    return m;
  }
}

export const userKnnSpec: ModelSpec<UserKnn> = {
  name: "userknn",
  summary: "user-based kNN: cosine user-user similarity, top-k neighbours per user",
  params: {
    // Chosen on a validation split carved from the ml-latest-small P1 train (last 20% per user), NDCG@10:
    // k=10 .1117, 20 .1179, 30 .1185, 50 .1218, 100 .1196, 200 .1142.
    k: { default: 50, min: 1, max: 1_000_000, integer: true, help: "most similar users summed per user (ties kept)" },
    shrink: { default: 0, min: 0, max: 1e6, help: "similarity = shared items / (|u||v| + shrink): distrusts users who share few items (0: plain cosine)" },
  },
  create: (params) => new UserKnn(params),
  restore: UserKnn.restore,
};
