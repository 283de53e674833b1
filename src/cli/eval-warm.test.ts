import { beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../core/errors.ts";
import { smallColdSplit } from "./cold-split.fixture.ts";
import { evalWarmCommand } from "./eval-warm.node.ts";

let base: string[];
const small = ["--set", "factors=8", "--set", "iterations=5"];

beforeAll(() => {
  base = smallColdSplit().args;
});

async function run(...argv: string[]): Promise<string[]> {
  const out: string[] = [];
  await evalWarmCommand(argv, (line) => out.push(line));
  return out;
}

describe("recagent eval-warm", () => {
  it("scores each level for content alone, every prior and a retrained ALS, on the items with raters left", async () => {
    const [line] = await run(...base, ...small, "--reveal", "1,15", "--prior", "1,4", "--json");
    const report = JSON.parse(line);
    expect(report.cold_items).toBe(10);
    expect(report.levels.map((l: { revealed: number }) => l.revealed)).toEqual([1, 15]);
    for (const level of report.levels) {
      expect(Object.keys(level.content)).toEqual(["recall@20", "ndcg@20", "hit@20"]);
      expect(level.warming.map((w: { prior_users: number }) => w.prior_users)).toEqual([1, 4]);
      expect(level.retrain["recall@20"]).toBeGreaterThan(0);
      expect(level.test_users).toBeGreaterThan(0);
    }
    // More raters revealed leaves fewer items (and users) with ratings to score.
    expect(report.levels[1].scored_items).toBeLessThan(report.levels[0].scored_items);
  });

  it("prints a table by default", async () => {
    const out = await run(...base, ...small, "--reveal", "2", "--prior", "1");
    expect(out.join("\n")).toMatch(/content alone[\s\S]*warming, prior_users 1[\s\S]*retrained ALS/);
  });

  it.each([["bpr", ["--set", "factors=8", "--set", "iterations=20"]], ["sasrec", ["--set", "hidden=8", "--set", "epochs=2", "--set", "patience=0"]]])(
    "warms the onboarded items in the space of any model with ItemEvidence (%s)",
    async (model, params) => {
      const [line] = await run(...base, "--model", model, ...params, "--reveal", "15", "--prior", "1", "--json");
      const report = JSON.parse(line);
      expect(report.model).toBe(model);
      const [level] = report.levels;
      // With 15 raters' feedback the served vectors are no longer the content vectors: the metrics move.
      expect(level.warming[0].metrics).not.toEqual(level.content);
    },
  );

  it("rejects levels and priors it cannot use, as input errors", async () => {
    for (const bad of [["--reveal", "0"], ["--reveal", "1,x"], ["--prior", "-1"], ["--cold-content", "tags"], ["--fold", "1"], ["--validate", "random", "--fold", "-1"], ["--model", "ease"]]) {
      const error = await run(...base, ...small, ...bad).catch((e) => e);
      expect(AppError.isInstance(error) && error.code).toBe("invalid_input");
    }
  });
});
