import { recommend } from "../../models/recommend.ts";
import { isFactorRecommender, type Recommender } from "../../models/recommender.ts";
import type { Candidate, HistoryItem } from "../../ranking/types.ts";
import { itemPopularity } from "../beyond.ts";
import type { P1Data } from "../p1.ts";
import type { SuiteData } from "./run.ts";

/** The retriever's top-`depth` per sampled user (train items excluded), as candidates and as dense ids. */
export function candidatePool(model: Recommender, data: SuiteData, users: readonly number[], depth: number) {
  const top = recommend(model, Int32Array.from(users, (j) => data.p1.testUsers[j]), depth, data.p1.train.matrix);
  const popularity = itemPopularity(data.p1.train.byItem);
  const vectors = isFactorRecommender(model) ? { all: model.itemVectors(), f: model.factors } : undefined;
  const dense = new Map<number, Int32Array>();
  const candidates = new Map<number, Candidate[]>();
  users.forEach((j, row) => {
    const ids = top.ids.subarray(row * depth, (row + 1) * depth);
    // -1 pads a list when fewer items than `depth` are left to recommend.
    const end = ids.indexOf(-1);
    const valid = end === -1 ? ids : ids.subarray(0, end);
    dense.set(j, valid);
    candidates.set(j, Array.from(valid, (d, r) => {
      const { id, title, year, genres } = data.items[d];
      const vector = vectors?.all.subarray(d * vectors.f, (d + 1) * vectors.f);
      return { id, title, year, genres, score: top.scores[row * depth + r], popularity: popularity[d], vector };
    }));
  });
  const history = (j: number): HistoryItem[] => trainHistory(data.p1, data.p1.testUsers[j]).map((d) => data.items[d]);
  return { candidates: (j: number) => candidates.get(j)!, dense: (j: number) => dense.get(j)!, history };
}

/** A user's train items, oldest first; ties in time go by item id as a string, as protocol P1 orders them. */
export function trainHistory(p1: P1Data, user: number): number[] {
  const { matrix, timestamps, items } = p1.train;
  const entries: number[] = [];
  for (let p = matrix.indptr[user]; p < matrix.indptr[user + 1]; p++) entries.push(p);
  const time = (p: number) => timestamps?.[p] ?? 0;
  const id = (p: number) => items.id(matrix.indices[p]);
  return entries.sort((a, b) => time(a) - time(b) || (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0)).map((p) => matrix.indices[p]);
}
