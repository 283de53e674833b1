import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { InteractionRow } from "../core/types.ts";
import { loadDataset, readSplitFile } from "../data/files.node.ts";
import type { Dataset } from "../data/movielens.ts";
import { type ColdRule, coldData, coldMetrics, crc32, mixedMetrics, pickColdItems, rankAll, rankCold } from "./cold.ts";
import { averageColdReports, type ColdReport } from "./cold-onboarding.ts";
import { genreAffinityScores } from "./genre-affinity.ts";
import { NO_USAGE } from "../llm/types.ts";

const splitDir = new URL("../../data/splits/ml-latest-small/", import.meta.url).pathname;
const row = (user: string, item: string, timestamp = 0): InteractionRow => ({ user, item, value: 1, timestamp });

describe("protocol P2 pieces", () => {
  it("P2 mixed: ranks every item, never a seen one, ties to the lower position (warm first)", () => {
    // warm 0..2, cold 3..4; item 1 is seen
    expect(rankAll([0.5, 9, 0.5, 0.7, 0.5].map((s, p) => (p === 1 ? -Infinity : s)), 3)).toEqual([3, 0, 2]);
    expect(rankAll([-Infinity, 1], 5)).toEqual([1]);
  });

  it("P2 mixed: recall over the cold items, cold share of each top 20, cold items reached by anyone", () => {
    // 3 warm items, 4 cold (positions 3..6); user 0 wants cold 0 and 1, user 1 cold 3.
    const m = mixedMetrics([new Set([0, 1]), new Set([3])], [[3, 0, 1], [2, 4, 6]], 3, 4);
    expect(m["recall@20"]).toBeCloseTo((0.5 + 1) / 2, 12);
    expect(m["hit@20"]).toBe(1);
    expect(m["cold_share@20"]).toBeCloseTo((1 / 20 + 2 / 20) / 2, 12);
    expect(m["cold_coverage@20"]).toBe(3 / 4);
  });

  it("computes zlib's crc32", () => {
    expect(crc32("123456789")).toBe(0xcbf43926);
    expect(crc32("")).toBe(0);
  });

  it("picks the items whose first rating is newest, ties by id as a string", () => {
    const rows = [row("a", "1", 5), row("b", "1", 1), row("a", "2", 3), row("a", "3", 3), row("a", "10", 2)];
    // first ratings: 1 -> 1, 10 -> 2, 2 -> 3, 3 -> 3; 10% of 4 rounds down to 0, half gives 2
    expect(pickColdItems(rows, "newest", 0.5)).toEqual(["2", "3"]);
    expect(pickColdItems(rows, "newest")).toEqual([]);
  });

  it("draws another random set for each fold, the same size, fold 0 being the shipped rule; newest has one", () => {
    const rows = Array.from({ length: 40 }, (_, k) => row("a", String(k), k));
    const shipped = pickColdItems(rows, "random");
    expect(pickColdItems(rows, "random", 0.1, 0)).toEqual(shipped);
    const folds = [1, 2].map((fold) => pickColdItems(rows, "random", 0.1, fold));
    for (const ids of folds) {
      expect(ids).toHaveLength(4);
      expect(ids).not.toEqual(shipped);
    }
    expect(folds[0]).not.toEqual(folds[1]);
    expect(() => pickColdItems(rows, "newest", 0.1, 1)).toThrow(/only the random rule has folds/);
  });

  it("averages the reports of several carve-outs, keeping each one's metrics", () => {
    const metrics = (x: number) => ({ "recall@20": x, "ndcg@20": x / 2, "hit@20": 1 });
    const report = (x: number, users: number, sources?: Record<string, number>): ColdReport => ({
      test_users: users, cold_items: 10, metrics: metrics(x), ranking: "cold", cold_content: "text", model: "als", warm_items: 90, fit_s: x, map_fit_s: 1,
      baselines: { random: metrics(x / 10), genre_affinity: metrics(x / 5) }, ...(sources && { metadata: { sources, usage: NO_USAGE } }),
    });
    const mean = averageColdReports([report(0.2, 10, { rules: 10 }), report(0.4, 20, { rules: 9, llm: 1 })]);
    expect(mean.metrics["recall@20"]).toBeCloseTo(0.3, 12);
    expect(mean.metrics["ndcg@20"]).toBeCloseTo(0.15, 12);
    expect(mean.baselines.genre_affinity["recall@20"]).toBeCloseTo(0.06, 12);
    expect(mean.test_users).toBe(15);
    expect(mean.metadata?.sources).toEqual({ rules: 19, llm: 1 });
    expect(mean.folds).toEqual([metrics(0.2), metrics(0.4)]);
  });

  it("trains on warm rows only, and takes relevance from every rating of users with train rows", () => {
    const train = [row("a", "w1"), row("a", "c1"), row("b", "c2"), row("c", "w1")];
    const all = [...train, row("a", "c2"), row("c", "c10"), row("z", "c1")];
    const data = coldData(train, all, ["c2", "c10", "c1"]);
    // numeric-like order: by length, then as strings
    expect(data.cold).toEqual(["c1", "c2", "c10"]);
    // b's only train row is cold, so b has no train rows and is no test user; z never trained
    expect(data.train.users.toArray()).toEqual(["a", "c"]);
    expect(data.train.items.toArray()).toEqual(["w1"]);
    expect(Array.from(data.testUsers)).toEqual([0, 1]);
    expect(data.relevant).toEqual([new Set([0, 1]), new Set([2])]);
  });

  it("ranks by score, ties to the earlier cold position, and averages recall, NDCG and hits", () => {
    expect(rankCold([0.5, 1, 0.5, 1], 3)).toEqual([1, 3, 0]);
    const m = coldMetrics([new Set([0]), new Set([3, 9])], [[1, 0], [3, 4]]);
    expect(m["recall@20"]).toBeCloseTo((1 + 0.5) / 2, 12);
    expect(m["hit@20"]).toBe(1);
    expect(m["ndcg@20"]).toBeCloseTo((1 / Math.log2(3) + 1 / (1 + 1 / Math.log2(3))) / 2, 12);
  });
});

/**
 * Figures printed by ../shared/anchors/reference_p2.py (numpy) with `genre cold=random|newest`; `mixed`: the same
 * script ranking every item instead of the cold ones (own train items excluded, stable argsort: ties to the
 * lower index, warm first), as PROTOCOL.md's P2 mixed table (0.034 / 0.043 / 0.138 / 0.171 for cold_random).
 */
const REFERENCE_GENRE: Record<ColdRule, { users: number; warm: number; metrics: Record<string, number> }> = {
  random: { users: 602, warm: 7417, metrics: { "recall@20": 0.15877, "ndcg@20": 0.16523, "hit@20": 0.73422 } },
  newest: { users: 53, warm: 7792, metrics: { "recall@20": 0.04739, "ndcg@20": 0.07097, "hit@20": 0.35849 } },
};
const REFERENCE_GENRE_MIXED: Record<ColdRule, Record<string, number>> = {
  random: { "recall@20": 0.03371, "ndcg@20": 0.04279, "hit@20": 0.35714, "cold_share@20": 0.13821, "cold_coverage@20": 0.17078 },
  newest: { "recall@20": 0.0078, "ndcg@20": 0.02245, "hit@20": 0.15094, "cold_share@20": 0.14528, "cold_coverage@20": 0.04115 },
};

describe("protocol P2 on ml-latest-small", () => {
  let dataset: Dataset;
  let train: InteractionRow[];
  beforeAll(() => {
    dataset = loadDataset("ml-latest-small");
    train = readSplitFile(`${splitDir}train.tsv`);
  }, 60_000);

  for (const rule of ["random", "newest"] as const) {
    it(`reproduces cold_${rule}.txt and the reference's genre-affinity figures to 1e-4`, () => {
      const shipped = readFileSync(`${splitDir}cold_${rule}.txt`, "utf8").split(/\s+/).filter(Boolean);
      const picked = pickColdItems(dataset.rows, rule);
      expect(picked).toHaveLength(972);
      expect(new Set(picked)).toEqual(new Set(shipped));

      const data = coldData(train, dataset.rows, shipped);
      const want = REFERENCE_GENRE[rule];
      expect([data.testUsers.length, data.train.itemCount]).toEqual([want.users, want.warm]);
      const content = (id: string) => dataset.catalog.get(id)!;
      const scores = genreAffinityScores(data.train.matrix, data.testUsers, data.train.items.toArray().map(content), data.cold.map(content));
      const n = data.cold.length;
      const got = coldMetrics(data.relevant, Array.from(data.testUsers, (_, j) => rankCold(scores.subarray(j * n, (j + 1) * n))));
      for (const [name, value] of Object.entries(want.metrics)) expect(Math.abs(got[name as keyof typeof got] - value), name).toBeLessThan(1e-4);

      const warm = data.train.items.toArray().map(content);
      const all = genreAffinityScores(data.train.matrix, data.testUsers, warm, data.cold.map(content), "all");
      const total = warm.length + n;
      const seen = data.train.matrix;
      const lists = Array.from(data.testUsers, (u, j) => {
        const scores = all.slice(j * total, (j + 1) * total);
        for (let p = seen.indptr[u]; p < seen.indptr[u + 1]; p++) scores[seen.indices[p]] = -Infinity;
        return rankAll(scores);
      });
      const mixed = mixedMetrics(data.relevant, lists, warm.length, n);
      for (const [name, value] of Object.entries(REFERENCE_GENRE_MIXED[rule])) expect(Math.abs(mixed[name as keyof typeof mixed] - value), `mixed ${name}`).toBeLessThan(1e-4);
    }, 240_000); // about 15 s on an idle machine; every item scored for every test user
  }
});
