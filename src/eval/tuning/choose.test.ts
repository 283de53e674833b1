import { beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../core/errors.ts";
import type { InteractionRow } from "../../core/types.ts";
import { chooseRecipe, recencyNeighbours, rungSizes, valuesLookLikeCounts } from "./choose.ts";
import { buildRecipe } from "./recipe.ts";
import { syntheticRows } from "./synthetic.ts";

/** Histories that drift between a user's tastes: the latest events say most about the next ones. */
const drifting = syntheticRows({ users: 240, items: 120, eventsPerUser: 14, clusters: 6, drift: 0.15, values: "binary", seed: 11 });
const FAST = { budgetSeconds: 1, models: ["pop", "itemknn", "ease"] } as const;

describe("chooseRecipe", () => {
  let first: Awaited<ReturnType<typeof chooseRecipe>>;
  beforeAll(async () => {
    first = await chooseRecipe(drifting, FAST);
  });

  it("chooses on validation, reports every trial, and beats every model's defaults there", () => {
    const { recipe, report } = first;
    expect(report.validation).toMatchObject({ users: 240, scoredUsers: 240 });
    expect(report.validation.trainRows + report.validation.heldOutRows).toBe(drifting.length);
    expect(report.rungUsers).toEqual([150, 190, 240]);
    // Recency helps on drifting histories, and validation finds it.
    expect(recipe.recency.tau).toBeGreaterThan(0);
    const bestDefault = Math.max(...report.defaults.map((d) => d.metric));
    expect(report.chosen.metric).toBeGreaterThan(bestDefault);
    expect(report.defaults.map((d) => d.model)).toEqual(["pop", "itemknn", "ease"]);
    // Popularity ignores histories: its probe is one plain scoring, and it is far from contending.
    expect(report.trials.filter((t) => t.model === "pop" && t.stage === "probe")).toHaveLength(1);
    expect(report.contenders).not.toContain("pop");
    for (const t of report.trials) {
      expect(t.users).toBe(t.stage === "blend" ? 240 : report.rungUsers[t.rung]);
      expect(t.metric).toBeGreaterThanOrEqual(0);
      expect(t.seconds).toBeGreaterThanOrEqual(0);
    }
    expect(report.trials.some((t) => t.rung === 2)).toBe(true);
    expect(buildRecipe(recipe).name).toBe(recipe.model);
  });

  it("is deterministic for a seed: the same recipe and the same trials in the same order", async () => {
    const strip = (r: Awaited<ReturnType<typeof chooseRecipe>>) => ({ recipe: r.recipe, trials: r.report.trials.map(({ seconds, ...t }) => t) });
    expect(strip(await chooseRecipe(drifting, FAST))).toEqual(strip(first));
  });

  it("searches log and bm25 weighting when the values are counts, and only binary for ratings", async () => {
    const counts = syntheticRows({ users: 200, items: 100, eventsPerUser: 12, clusters: 5, drift: 0.1, values: "counts", seed: 5 });
    const { report } = await chooseRecipe(counts, { budgetSeconds: 1, models: ["itemknn"] });
    expect(report.valuesLookLikeCounts).toBe(true);
    expect(report.weightings).toEqual(["binary", "log", "bm25"]);
    expect(new Set(report.trials.map((t) => t.weighting))).toEqual(new Set(["binary", "log", "bm25"]));
    const ratings = syntheticRows({ users: 50, items: 40, eventsPerUser: 8, clusters: 3, drift: 0.1, values: "ratings", seed: 5 });
    expect(valuesLookLikeCounts(ratings)).toBe(false);
    expect(valuesLookLikeCounts(counts)).toBe(true);
  });

  it("tunes one named model alone: no blend, its own parameters sampled", async () => {
    const { recipe, report } = await chooseRecipe(drifting, { budgetSeconds: 1, models: ["itemknn"] });
    expect(recipe.model).toBe("itemknn");
    expect(report.trials.every((t) => t.stage !== "blend")).toBe(true);
    expect(new Set(report.trials.map((t) => t.params.k)).size).toBeGreaterThan(3);
  });

  it("on a budget too small for any model, still tunes the cheapest one that reads histories, and says what it skipped", async () => {
    const { recipe, report } = await chooseRecipe(drifting, { budgetSeconds: 0.001, models: ["pop", "ease", "itemknn"] });
    const probed = new Set(report.trials.map((t) => t.model));
    expect(probed.has("ease") !== probed.has("itemknn")).toBe(true);
    expect(recipe.model).not.toBe("pop");
    for (const model of ["pop", "ease", "itemknn"].filter((m) => !probed.has(m))) expect(report.skipped[model]).toMatch(/over half the 0.001 s budget/);
  });

  it("falls back to the first model's defaults when no user has enough rows to hold any out", async () => {
    const few: InteractionRow[] = [
      { user: "a", item: "x", value: 1, timestamp: 1 },
      { user: "a", item: "y", value: 1, timestamp: 2 },
      { user: "b", item: "x", value: 1, timestamp: 3 },
    ];
    const { recipe, report } = await chooseRecipe(few, { models: ["ease", "pop"] });
    expect(recipe).toEqual({ model: "ease", params: { lambda: 250 }, weighting: "binary", recency: { tau: 0, floor: 1 } });
    expect(report.fallback).toMatch(/no user has 5 or more rows/);
  });

  it("refuses an unknown model, metric or budget with the valid choices", async () => {
    await expect(chooseRecipe(drifting, { models: ["nope"] })).rejects.toThrow(/unknown model "nope"; valid: /);
    await expect(chooseRecipe(drifting, { metric: "ndcg@5" })).rejects.toThrow(/unknown metric ndcg@5; valid: precision@10, recall@10, ndcg@10/);
    await expect(chooseRecipe(drifting, { budgetSeconds: 0 })).rejects.toThrow(InputError);
  });
});

describe("rung sizes and recency neighbours", () => {
  it("grow the users geometrically from 150 to all, or use all when fewer", () => {
    expect(rungSizes(610)).toEqual([150, 302, 610]);
    expect(rungSizes(90)).toEqual([90, 90, 90]);
  });

  it("step one place in tau or in floor on the grid, never to off", () => {
    expect(recencyNeighbours({ tau: 5, floor: 0.1 })).toEqual([{ tau: 3, floor: 0.1 }, { tau: 10, floor: 0.1 }, { tau: 5, floor: 0.05 }, { tau: 5, floor: 0.2 }]);
    expect(recencyNeighbours({ tau: 1, floor: 0.02 })).toEqual([{ tau: 2, floor: 0.02 }, { tau: 1, floor: 0.05 }]);
    expect(recencyNeighbours({ tau: 0, floor: 1 })).toEqual([]);
  });
});
