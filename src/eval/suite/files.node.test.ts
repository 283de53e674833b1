import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { disabledLlmClient } from "../../llm/openai-client.ts";
import { loadSuite, writeReports } from "./files.node.ts";
import type { SuiteReport } from "./report.ts";
import { runSuite } from "./run.ts";
import { TINY_SUITE, tinySuiteData } from "./suite.fixture.ts";

const dir = mkdtempSync(join(tmpdir(), "recagent-suite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("suite files", () => {
  it("loads the bundled suites by id, at their latest version", () => {
    const quick = loadSuite("quick");
    expect(quick).toMatchObject({ id: "quick", version: 1, candidates: { sizes: [20, 50] } });
    expect(quick.rankers.map((r) => r.ranker.kind)).toEqual(["retrieval", "mmr", "popularity-blend", "llm-listwise", "llm-listwise"]);
    expect(loadSuite("full").id).toBe("full");
  });

  it("names what is wrong with a suite", () => {
    expect(() => loadSuite("nope")).toThrow(/no suite "nope" in .*; known: .*quick\.v1\.json/);
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ ...TINY_SUITE, metrics: ["auc@5"] }));
    expect(() => loadSuite(bad)).toThrow(/bad\.json: metrics\.0: expected name@k/);
    writeFileSync(bad, "{ nope");
    expect(() => loadSuite(bad)).toThrow(/bad\.json: not JSON/);
  });

  it("writes the JSON, Markdown and HTML reports with the run's rows", async () => {
    const report = await runSuite(TINY_SUITE, tinySuiteData(), { llm: disabledLlmClient(), prices: { priceInputPerMTok: 0, priceOutputPerMTok: 0 } });
    const paths = writeReports(report, join(dir, "out"));
    for (const path of Object.values(paths)) expect(existsSync(path), path).toBe(true);
    const json = JSON.parse(readFileSync(paths.json, "utf8")) as SuiteReport;
    expect(json.rows.map((r) => `${r.population}/${r.size}/${r.ranker}`)).toEqual(report.rows.map((r) => `${r.population}/${r.size}/${r.ranker}`));
    const md = readFileSync(paths.markdown, "utf8");
    for (const id of ["none", "mmr-0.3", "pop-0.2", "llm-b1"]) expect(md).toContain(`| 30 | ${id} |`);
    expect(readFileSync(paths.html, "utf8")).toMatch(/^<!doctype html>[\s\S]*<svg [\s\S]*<\/html>\n$/);
  });
});
