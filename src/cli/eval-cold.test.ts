import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../core/errors.ts";
import { Catalog } from "../data/catalog.ts";
import { onboardingInput } from "../eval/cold-onboarding.ts";
import { smallColdSplit } from "./cold-split.fixture.ts";
import { evalColdCommand, onboardingContent } from "./eval-cold.node.ts";

let dir: string;
let ml: string;
let base: () => string[];
const small = ["--set", "factors=8", "--set", "iterations=5"];

beforeAll(() => {
  const split = smallColdSplit();
  ({ dir, ml } = split);
  base = () => split.args;
});

async function run(...argv: string[]): Promise<string[]> {
  const out: string[] = [];
  await evalColdCommand(argv, (line) => out.push(line));
  return out;
}



describe("recagent eval-cold", () => {
  it("prints one JSON line: test users, cold items, metrics first", async () => {
    const out = await run(...base(), ...small, "--json");
    expect(out).toHaveLength(1);
    const report = JSON.parse(out[0]);
    expect(Object.keys(report).slice(0, 3)).toEqual(["test_users", "cold_items", "metrics"]);
    expect(Object.keys(report.metrics)).toEqual(["recall@20", "ndcg@20", "hit@20"]);
    expect(report.cold_items).toBe(10);
    expect(report.test_users).toBeGreaterThan(10);
    // Twenty of ten cold items: every relevant item is in every list.
    expect(report.metrics["recall@20"]).toBe(1);
    expect(Object.keys(report.baselines)).toEqual(["random", "genre_affinity"]);
  });

  it("knows of an item what movies.csv says with --items on top: descriptions kept, tags never", () => {
    const catalog = new Catalog([
      { id: "1", title: "Toy Story", year: 1995, genres: ["Animation"], tags: ["pixar"] },
      { id: "2", title: "Jumanji", year: 1995, genres: ["Fantasy"], tags: [] },
    ]);
    const overrides = new Map([["2", { id: "2", title: "Jumanji", year: 1996, genres: [], tags: ["ignored"], text: "A funny board game." }]]);
    const contentOf = onboardingContent(catalog, overrides);
    expect(contentOf("1")).toEqual({ id: "1", title: "Toy Story", year: 1995, genres: ["Animation"], tags: [], text: undefined });
    expect(contentOf("2")).toEqual({ id: "2", title: "Jumanji", year: 1996, genres: ["Fantasy"], tags: [], text: "A funny board game." });
  });

  it("onboards a cold item from its metadata, everything, or its title and description alone", () => {
    const item = { id: "2", title: "Jumanji", year: 1995, genres: ["Fantasy"], tags: [], text: "A funny board game." };
    expect(onboardingInput(item, "metadata")).toEqual({ id: "2", title: "Jumanji", year: 1995, genres: ["Fantasy"] });
    expect(onboardingInput(item, "all")).toEqual({ id: "2", title: "Jumanji", year: 1995, genres: ["Fantasy"], description: "A funny board game." });
    // Genres (and a year the text states) then come from the metadata step inside onboarding.
    expect(onboardingInput(item, "text")).toEqual({ id: "2", title: "Jumanji", description: "A funny board game." });
  });

  it("P2 mixed (--rank all): cold share and coverage beside recall, the bound keeping the share within it", async () => {
    const report = JSON.parse((await run(...base(), ...small, "--rank", "all", "--max-share", "0.1", "--json"))[0]);
    expect(report.ranking).toBe("all");
    expect(Object.keys(report.metrics)).toEqual(["recall@20", "ndcg@20", "hit@20", "cold_share@20", "cold_coverage@20"]);
    // At most round(0.1 x 20) = 2 of each top 20 are cold.
    expect(report.metrics["cold_share@20"]).toBeLessThanOrEqual(0.1);
    expect(report.baselines.genre_affinity["cold_share@20"]).toBeGreaterThan(0);
    const ease = (await run(...base(), "--model", "ease", "--set", "lambda=50", "--rank", "all")).join("\n");
    expect(ease).toMatch(/P2 mixed \(cold items among all items\), ease: \d+ test users[\s\S]*cold_share@20[\s\S]*onboarding \(content map\)/);
  }, 240_000); // two runs, one with EASE's companion ALS at full size: about 30 s on an idle machine

  it("runs with --items and --validate", async () => {
    const items = join(dir, "items.jsonl");
    writeFileSync(items, ['{"id": "1", "title": "Toys", "description": "An animated comedy for kids (1995)."}', '{"id": "2", "title": "Jumanji", "genres": ["Fantasy"], "year": 1995}'].join("\n"));
    const out = await run(...base(), ...small, "--items", items, "--validate", "random", "--cold-content", "text");
    expect(out.join("\n")).toMatch(/P2 cold-start items, als: \d+ test users, \d+ cold items[\s\S]*onboarding \(content map\)\s+0\.\d{4}/);
  });

  it("averages several validation carve-outs with --folds, listing each one's metrics", async () => {
    const report = JSON.parse((await run(...base(), ...small, "--validate", "random", "--folds", "2", "--json"))[0]);
    expect(report.folds).toHaveLength(2);
    expect(report.folds[0]).not.toEqual(report.folds[1]);
    expect(report.metrics["recall@20"]).toBeCloseTo((report.folds[0]["recall@20"] + report.folds[1]["recall@20"]) / 2, 12);
    const one = JSON.parse((await run(...base(), ...small, "--validate", "random", "--json"))[0]);
    expect(one.folds).toBeUndefined();
    expect(report.folds[0]).toEqual(one.metrics);
    await expect(run(...base(), ...small, "--validate", "newest", "--folds", "2")).rejects.toThrow(/--folds needs --validate random/);
    await expect(run(...base(), ...small, "--folds", "2")).rejects.toThrow(/--folds needs --validate random/);
    await expect(run(...base(), ...small, "--validate", "random", "--folds", "0")).rejects.toThrow(/--folds must be a whole number >= 1/);
  });

  it("names the file and line of bad input, as an input error (exit 2)", async () => {
    const badItems = join(dir, "bad.jsonl");
    writeFileSync(badItems, '{"id": "1", "title": "Fine"}\n{"id": "2", "title": \n');
    await expect(run(...base(), ...small, "--items", badItems)).rejects.toThrow(`${badItems}:2: not valid JSON`);
    const badCold = join(dir, "bad-cold.txt");
    writeFileSync(badCold, "1\n2 nope\n");
    const error = await run("--movielens", ml, "--train", join(dir, "train.tsv"), "--cold", badCold).catch((e) => e);
    expect(AppError.isInstance(error) && error.status).toBe(400);
    expect(error.message).toBe(`${badCold}:2: item "nope" is in neither movies.csv nor --items`);
    await expect(run(...base(), ...small, "--validate", "oldest")).rejects.toThrow(/--validate must be newest or random/);
    await expect(run(...base(), ...small, "--shrinkage", "0")).rejects.toThrow(/--shrinkage must be a positive number/);
    await expect(run(...base(), ...small, "--rank", "warm")).rejects.toThrow(/--rank must be cold or all/);
    await expect(run(...base(), ...small, "--cold-content", "tags")).rejects.toThrow(/--cold-content must be metadata, all or text/);
    await expect(run(...base(), ...small, "--spread=-1")).rejects.toThrow(/--spread must be a number >= 0/);
  });
});
