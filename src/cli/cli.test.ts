import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { runCli as run } from "./run-cli.fixture.ts";

const splitDir = new URL("../../data/splits/ml-latest-small/", import.meta.url).pathname;
const bin = new URL("../../bin/recagent.js", import.meta.url).pathname;
let dir: string;

/** The first 40 users of the shipped split: small enough to run every command in a second. */
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "recagent-cli-"));
  for (const name of ["train.tsv", "test.tsv"]) {
    const lines = readFileSync(join(splitDir, name), "utf8").split("\n").filter((l) => l && Number(l.split("\t")[0]) <= 40);
    writeFileSync(join(dir, name), `${lines.join("\n")}\n`);
  }
  writeFileSync(join(dir, "bad.tsv"), "1\t10\t4.0\t100\n1\t11\tfour\t101\n");
});


afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe("recagent eval", () => {
  it("prints exactly one JSON line with the P1 report", async () => {
    const { code, out } = await run("eval", "--train", join(dir, "train.tsv"), "--test", join(dir, "test.tsv"), "--model", "pop", "--json");
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    const report = JSON.parse(out[0]);
    expect(Object.keys(report)).toEqual(["model", "params", "users", "items", "fit_s", "rec_s", "metrics", "beyond"]);
    expect(Object.keys(report.metrics)).toEqual(["precision@10", "recall@10", "ndcg@10", "hit@10", "mrr@10", "coverage@10", "recall@20", "ndcg@20"]);
    expect(report.users).toBe(40);
    expect(report.metrics["ndcg@10"]).toBeGreaterThan(0);
  });

  it("prints a readable table without --json", async () => {
    const { code, out } = await run("eval", "--train", join(dir, "train.tsv"), "--test", join(dir, "test.tsv"), "--models", "pop");
    expect(code).toBe(0);
    expect(out.join("\n")).toMatch(/P1 on 40 test users[\s\S]*model\s+ndcg@10[\s\S]*\npop\s+0\.\d{4}/);
  });

  it("exits 2 and lists the valid names for an unknown model or parameter", async () => {
    const unknownModel = await run("eval", "--train", "x", "--test", "y", "--model", "nope");
    expect(unknownModel.code).toBe(2);
    expect(unknownModel.err).toMatch(/unknown model "nope"; valid: pop/);
    const unknownParam = await run("eval", "--train", "x", "--test", "y", "--model", "pop", "--set", "k=3");
    expect(unknownParam.code).toBe(2);
    expect(unknownParam.err).toMatch(/unknown parameter "k" for model pop; valid: \(none\)/);
    const unknownFlag = await run("eval", "--bogus");
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.err).toMatch(/Unknown option '--bogus'[\s\S]*usage: recagent eval/);
  });

  it("names the file, and the line, of missing or malformed input", async () => {
    const missing = await run("eval", "--train", join(dir, "none.tsv"), "--test", join(dir, "test.tsv"), "--model", "pop");
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`${join(dir, "none.tsv")}: file not found`);
    const bad = await run("eval", "--train", join(dir, "bad.tsv"), "--test", join(dir, "test.tsv"), "--model", "pop");
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(`${join(dir, "bad.tsv")}:2: rating "four" is not a number`);
  });
});

describe("recagent eval --model auto", () => {
  it("tunes on validation from train only, then names in its JSON line what it chose and how it was chosen", async () => {
    const { code, out } = await run("eval", "--train", join(dir, "train.tsv"), "--test", join(dir, "test.tsv"), "--model", "auto", "--tune-budget", "1", "--json");
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    const report = JSON.parse(out[0]);
    expect(Object.keys(report).slice(0, 2)).toEqual(["model", "params"]);
    expect(report).toMatchObject({ users: 40, weighting: "binary", tuning: { budget_s: 1, metric: "ndcg@10", validation_users: 40 } });
    expect(["pop", "itemknn", "userknn", "ease", "als", "blend"]).toContain(report.model);
    expect(report.recency).toEqual({ tau: expect.any(Number), floor: expect.any(Number) });
    expect(report.tuning.trials).toBeGreaterThan(5);
    expect(report.tuning.chosen).toMatch(/weighting binary/);
    expect(report.metrics["ndcg@10"]).toBeGreaterThan(0);
  });

  it("exits 2 with what to do for flags that contradict tuning, and for a bad budget or weighting", async () => {
    const base = ["eval", "--train", join(dir, "train.tsv"), "--test", join(dir, "test.tsv")];
    const cases: Array<[string[], RegExp]> = [
      [["--model", "auto", "--set", "k=3"], /--set does not apply to --model auto/],
      [["--model", "auto", "--recency", "5"], /--model auto chooses the recency weighting on validation: drop --recency/],
      [["--model", "ease", "--tune-budget", "5"], /--tune-budget applies to --model auto only/],
      [["--model", "auto", "--tune-budget", "0"], /--tune-budget expects seconds, a number above 0/],
      [["--model", "auto", "--tune-budget", "soon"], /--tune-budget expects seconds.*got "soon"/],
      [["--model", "pop", "--weight", "sqrt"], /--weight must be binary, log or bm25, got "sqrt"/],
    ];
    for (const [flags, message] of cases) {
      const { code, err } = await run(...base, ...flags);
      expect(code, flags.join(" ")).toBe(2);
      expect(err, flags.join(" ")).toMatch(message);
    }
  });
});

describe("recagent tune --tune-budget", () => {
  it("runs the budgeted search and prints each model's best beside its defaults, then the choice", async () => {
    const { code, out } = await run("tune", "--train", join(dir, "train.tsv"), "--model", "userknn", "--tune-budget", "1");
    expect(code).toBe(0);
    const text = out.join("\n");
    expect(text).toMatch(/^validation split: 40 users, \d+ train \/ \d+ held-out rows; \d+ trials in [\d.]+ s \(budget 1 s\)/);
    expect(text).toMatch(/\nuserknn\s+k=\d+ shrink=\d+\s+binary\s+(off|tau \d+ floor [\d.]+)\s+0\.\d{4}\s+0\.\d{4}/);
    expect(text).toMatch(/\nchosen: userknn\(k=\d+, shrink=\d+\), weighting binary, .* \(validation ndcg@10 0\.\d{4} on 40 users\)$/);
    const mixed = await run("tune", "--train", join(dir, "train.tsv"), "--model", "auto", "--grid", "k=1,2");
    expect(mixed.code).toBe(2);
    expect(mixed.err).toMatch(/--grid and --set belong to the grid search/);
  });
});

describe("recagent train and recommend", () => {
  it("saves a model and prints titles for a user", async () => {
    const data = join(dir, "inter.tsv");
    writeFileSync(data, "user\titem\nu1\ta\nu1\tb\nu2\ta\nu3\tc\nu3\ta\n");
    writeFileSync(join(dir, "items.csv"), "id,title,genres\na,Alpha (2001),Drama\nb,Beta,Comedy\nc,Gamma (1999),Drama|War\n");
    const model = join(dir, "model");
    const trained = await run("train", "--interactions", data, "--items", join(dir, "items.csv"), "--model", "pop", "--out", model);
    expect(trained.code).toBe(0);
    expect(trained.out[0]).toMatch(/trained pop on 3 users x 3 items \(5 rows\)/);
    const rec = await run("recommend", "--model-dir", model, "--user", "u2", "--k", "5", "--json");
    expect(rec.code).toBe(0);
    // u2 has a; b and c are each liked by one user and tie, so the lower index (b) comes first.
    expect(JSON.parse(rec.out[0]).items.map((i: { title: string }) => i.title)).toEqual(["Beta", "Gamma"]);
    const unknown = await run("recommend", "--model-dir", model, "--user", "nobody");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/user "nobody" is not in the model/);
    const noDir = await run("recommend", "--model-dir", join(dir, "nothing"), "--user", "u1");
    expect(noDir.err).toMatch(/model\.json: missing/);
  });

  it("scores a known user with the recency weighting the model was trained with", async () => {
    // Ten users watch a1..a3, ten others b1..b3; "me" watched a1 and a2, then b1 last.
    const lines = ["user\titem\tvalue\ttimestamp"];
    for (let u = 0; u < 20; u++) for (const [t, item] of (u < 10 ? ["a1", "a2", "a3"] : ["b1", "b2", "b3"]).entries()) lines.push(`u${u}\t${item}\t1\t${t}`);
    lines.push("me\ta1\t1\t1", "me\ta2\t1\t2", "me\tb1\t1\t3");
    const data = join(dir, "clusters.tsv");
    writeFileSync(data, `${lines.join("\n")}\n`);
    const first = async (...recency: string[]) => {
      const model = join(dir, `ease-${recency.join("") || "plain"}`);
      expect((await run("train", "--interactions", data, "--model", "ease", "--no-tune", "--set", "lambda=1", ...recency, "--out", model)).code).toBe(0);
      return JSON.parse((await run("recommend", "--model-dir", model, "--user", "me", "--k", "1", "--json")).out[0]).items[0].id;
    };
    expect(await first()).toBe("a3");
    expect(["b2", "b3"]).toContain(await first("--recency", "0.3,0"));
  });
});

describe("recagent train: tuning", () => {
  /** The 40-user fixture as an interactions file with a header. */
  const interactions = () => {
    const file = join(dir, "forty.tsv");
    writeFileSync(file, `user\titem\tvalue\ttimestamp\n${readFileSync(join(dir, "train.tsv"), "utf8")}`);
    return file;
  };

  it("tunes a named model within the budget, saves the recency it chose with the entry ages, and writes the report", async () => {
    const model = join(dir, "tuned");
    const { code, out } = await run("train", "--interactions", interactions(), "--model", "itemknn", "--tune-budget", "1", "--out", model);
    expect(code).toBe(0);
    expect(out[0]).toMatch(/^trained itemknn on 40 users/);
    expect(out[1]).toMatch(/^model: itemknn\(k=\d+, shrink=\d+\), weighting binary, /);
    expect(out[2]).toMatch(/^tuning: \d+ trials in [\d.]+ s; validation ndcg@10 0\.\d{4} on 40 users; report in .*tuning-report\.json$/);
    const report = JSON.parse(readFileSync(join(model, "tuning-report.json"), "utf8"));
    expect(report.chosen.recipe.model).toBe("itemknn");
    expect(report.trials.length).toBeGreaterThan(3);
    expect(report.trials.every((t: { model: string }) => t.model === "itemknn")).toBe(true);
    const header = JSON.parse(readFileSync(join(model, "model.json"), "utf8"));
    const recency = report.chosen.recipe.recency;
    expect(header.recency).toEqual(recency.tau > 0 ? recency : undefined);
    expect(header.arrays.map((a: { name: string }) => a.name)).toContain("seen.ages");
  });

  it("with --no-tune trains the defaults and --set/--recency as given, without a report", async () => {
    const model = join(dir, "untuned");
    const { code, out } = await run("train", "--interactions", interactions(), "--model", "ease", "--no-tune", "--set", "lambda=50", "--recency", "5,0.1", "--out", model);
    expect(code).toBe(0);
    expect(out).toEqual([expect.stringMatching(/^trained ease on 40 users/), "model: ease(lambda=50), weighting binary, recency tau 5 floor 0.1"]);
    expect(JSON.parse(readFileSync(join(model, "model.json"), "utf8")).recency).toEqual({ tau: 5, floor: 0.1 });
    expect(() => readFileSync(join(model, "tuning-report.json"))).toThrow(/ENOENT/);
  });

  it("exits 2 with what to do for flags that contradict tuning", async () => {
    const base = ["train", "--interactions", join(dir, "train.tsv"), "--out", join(dir, "never")];
    const cases: Array<[string[], RegExp]> = [
      [["--model", "auto", "--no-tune"], /--model auto chooses the model by tuning; with --no-tune name the model/],
      [["--model", "ease", "--set", "lambda=5"], /--set fixes parameters by hand: add --no-tune/],
      [["--model", "ease", "--recency", "5"], /--recency fixes the recency weighting by hand: add --no-tune/],
      [["--model", "ease", "--no-tune", "--tune-budget", "9"], /--tune-budget has no effect with --no-tune/],
      [["--model", "nope"], /unknown model "nope"; valid: /],
    ];
    for (const [flags, message] of cases) {
      const { code, err } = await run(...base, ...flags);
      expect(code, flags.join(" ")).toBe(2);
      expect(err, flags.join(" ")).toMatch(message);
    }
  });
});

describe("recagent enrich", () => {
  it("writes one metadata line per item, labelled with who produced it", async () => {
    // The rules path, whatever endpoint the developer's shell may configure.
    vi.stubEnv("OPENAI_BASE_URL", "");
    vi.stubEnv("OPENAI_API_KEY", "");
    const items = join(dir, "enrich-items.jsonl");
    writeFileSync(items, '{"id":"a","title":"Space Lovers","description":"A romantic comedy set on a space station in 2040.","genres":["Comedy"]}\n{"id":"b","title":"Quiet","genres":["Drama","Romance","Sci-Fi"]}\n');
    const outFile = join(dir, "enriched.jsonl");
    const { code, out } = await run("enrich", "--items", items, "--out", outFile);
    expect(code).toBe(0);
    expect(out[0]).toMatch(/enriched 2 items with the catalog-vocabulary extractor/);
    const lines = readFileSync(outFile, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.id, l.source, l.fallback])).toEqual([["a", "rules", "disabled"], ["b", "rules", "disabled"]]);
    expect(lines[0].metadata.genres).toEqual(expect.arrayContaining(["Comedy", "Romance"]));
    const bad = await run("enrich", "--items", join(dir, "missing.jsonl"), "--out", outFile);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/missing\.jsonl: file not found/);
  });
});

describe("--help", () => {
  it("prints each command's usage on stdout and exits 0", async () => {
    for (const command of ["eval", "eval-rating", "eval-cold", "tune", "train", "recommend", "enrich", "export", "serve"]) {
      const logged: string[] = [];
      const spy = vi.spyOn(console, "log").mockImplementation((line) => void logged.push(String(line)));
      const { code, out } = await run(command, "--help");
      spy.mockRestore();
      expect(code, command).toBe(0);
      expect([...out, ...logged].join("\n"), command).toMatch(new RegExp(`usage: recagent ${command}`));
    }
  });
});

describe("the recagent binary", () => {
  it("exits 2 with one line and no stack trace on a user error", async () => {
    const result = await promisify(execFile)(process.execPath, [bin, "eval", "--model", "nope", "--train", "a", "--test", "b"]).catch((e) => e);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/^recagent eval: unknown model "nope"; valid: /);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
