import { describe, expect, it } from "vitest";
import { readSplitFile } from "../data/files.node.ts";
import { popularitySpec } from "../models/popularity.ts";
import { p1Data } from "./p1.ts";
import { evaluateTopN } from "./topn.ts";

const split = new URL("../../data/splits/ml-latest-small/", import.meta.url).pathname;

/** Figures printed by ../shared/anchors/reference_p1.py (numpy) on the same split. */
const REFERENCE_POP = {
  "precision@10": 0.0723, "recall@10": 0.03888, "ndcg@10": 0.08681, "hit@10": 0.37049,
  "mrr@10": 0.18895, "coverage@10": 0.01188, "recall@20": 0.06697, "ndcg@20": 0.08937,
};

describe("protocol P1 evaluator", () => {
  it("agrees with the numpy reference on popularity to 1e-4", async () => {
    const data = p1Data(readSplitFile(`${split}train.tsv`), readSplitFile(`${split}test.tsv`));
    expect([data.testUsers.length, data.train.itemCount]).toEqual([610, 8246]);
    const report = await evaluateTopN(popularitySpec, {}, data);
    for (const [name, value] of Object.entries(REFERENCE_POP)) expect(Math.abs(report.metrics[name] - value), name).toBeLessThan(1e-4);
  });

  it("counts test items unseen in train as relevant but unreachable", async () => {
    const row = (user: string, item: string) => ({ user, item, value: 1, timestamp: 0 });
    const data = p1Data([row("a", "x"), row("b", "x"), row("b", "y")], [row("a", "y"), row("a", "new")]);
    expect(data.relevant[0].size).toBe(2);
    const report = await evaluateTopN(popularitySpec, {}, data);
    // a's only candidate is y, a hit at rank 1 out of two relevant items.
    expect(report.metrics["recall@10"]).toBe(0.5);
    expect(report.metrics["ndcg@10"]).toBeCloseTo(1 / (1 + 1 / Math.log2(3)), 12);
  });
});
