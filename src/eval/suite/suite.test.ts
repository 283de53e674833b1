import { describe, expect, it } from "vitest";
import { disabledLlmClient } from "../../llm/openai-client.ts";
import { recommenderSpec } from "../../models/registry.ts";
import { resolveParams } from "../../models/spec.ts";
import { fakeRanker, labels, shownIn } from "../../ranking/listwise-fake.ts";
import { evaluateTopN } from "../topn.ts";
import { SuiteDefinition } from "./definition.ts";
import { renderHtml } from "./html.ts";
import { renderMarkdown } from "./markdown.ts";
import { FAKE_NOTICE, type MeasuredRow, type SuiteReport } from "./report.ts";
import { trainHistory } from "./candidate-pool.ts";
import { runSuite, sampleUsers } from "./run.ts";
import { TINY_SUITE, tinySuiteData } from "./suite.fixture.ts";

const PRICES = { priceInputPerMTok: 0, priceOutputPerMTok: 0 };
const data = tinySuiteData();
const row = (report: SuiteReport, population: string, size: number, ranker: string) =>
  report.rows.find((r) => r.population === population && r.size === size && r.ranker === ranker);
const measured = (report: SuiteReport, population: string, size: number, ranker: string) => row(report, population, size, ranker) as MeasuredRow;

describe("runSuite with no LLM", async () => {
  const report = await runSuite(TINY_SUITE, data, { llm: disabledLlmClient(), prices: PRICES, generatedAt: "fixed" });

  it("measures every non-LLM ranker on both populations and skips the LLM rows as disabled", () => {
    expect(report.populations.map((p) => [p.id, p.users])).toEqual([["all", 40], ["llm-sample", 10]]);
    expect(report.rows.map((r) => `${r.population} ${r.size} ${r.ranker} ${r.status}`)).toEqual([
      ...["none", "mmr-0.3", "pop-0.2"].flatMap((id) => [`all 20 ${id} ok`, `llm-sample 20 ${id} ok`]),
      "llm-sample 20 llm-b1 skipped",
      ...["none", "mmr-0.3", "pop-0.2"].flatMap((id) => [`all 30 ${id} ok`, `llm-sample 30 ${id} ok`]),
      "llm-sample 30 llm-b1 skipped",
    ]);
    expect(row(report, "llm-sample", 20, "llm-b1")).toMatchObject({ status: "skipped", skipped: "disabled" });
    expect(report.notice).toBeUndefined();
  });

  it("agrees with the P1 evaluator for the no-rerank ranker on the top-20", async () => {
    const spec = recommenderSpec("als");
    const topn = await evaluateTopN(spec, resolveParams(spec, TINY_SUITE.candidates.params), data.p1);
    const none = measured(report, "all", 20, "none");
    for (const m of TINY_SUITE.metrics) expect(none.metrics[m].mean, m).toBeCloseTo(topn.metrics[m], 12);
    // Top-20 candidates ranked in retrieval order: their recall@20 is the ceiling itself.
    expect(none.ceiling.mean).toBeCloseTo(topn.metrics["recall@20"], 12);
  });

  it("gives every ranker the same candidates: the ceiling does not depend on the ranker", () => {
    for (const size of [20, 30]) {
      const ceilings = ["none", "mmr-0.3", "pop-0.2"].map((id) => measured(report, "all", size, id).ceiling.mean);
      expect(new Set(ceilings).size).toBe(1);
    }
    expect(measured(report, "all", 30, "none").ceiling.mean).toBeGreaterThanOrEqual(measured(report, "all", 20, "none").ceiling.mean);
  });

  it("costs nothing for non-LLM rankers", () => {
    expect(measured(report, "all", 20, "mmr-0.3").cost).toMatchObject({ callsPerRequest: 0, promptTokensPerRequest: 0, usdPer1kRequests: 0 });
    expect(renderMarkdown(report)).toMatch(/\| 20 \| mmr-0\.3 \| .* \| \$0 \|/);
    expect(measured(report, "all", 20, "mmr-0.3").served).toEqual({ mmr: 40 });
  });

  it("renders Markdown and HTML with one table row per ranker row, and charts", () => {
    const md = renderMarkdown(report);
    expect(md).toContain("## llm-sample: 10 users");
    expect(md.split("\n").filter((l) => /^\| (20|30) \| /.test(l))).toHaveLength(report.rows.length);
    expect(md).toContain("| 20 | llm-b1 | skipped: disabled |");
    const html = renderHtml(report);
    expect(html.match(/<tr><td>/g)).toHaveLength(report.rows.length);
    expect(html).toContain("<td>none</td>");
    // A bar chart per population and size; no cost scatter, as nothing spent LLM calls.
    expect(html.match(/<svg /g)).toHaveLength(2 * 2);
    expect(html).toContain("there is no cost to plot");
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });
});

describe("runSuite with an LLM", async () => {
  // The scripted fake reverses every window it is shown.
  const { client, server } = fakeRanker((shown) => labels(...shown.candidates.map((_, p) => shown.candidates.length - p)));
  const report = await runSuite(TINY_SUITE, data, { llm: client, prices: { priceInputPerMTok: 1, priceOutputPerMTok: 2 }, generatedAt: "fixed" });
  const llm = measured(report, "llm-sample", 30, "llm-b1");

  it("runs the LLM rows on the LLM sample only, with calls and cost per request", () => {
    expect(report.rows.filter((r) => r.ranker === "llm-b1").map((r) => `${r.population} ${r.size} ${r.status}`)).toEqual(["llm-sample 20 ok", "llm-sample 30 ok"]);
    expect(llm.served).toEqual({ "llm-listwise": 10 });
    // 30 candidates: windows at 10 and 0.
    expect(llm.cost.callsPerRequest).toBe(2);
    expect(server.requests).toHaveLength(10 + 20);
    const usd = (llm.cost.promptTokensPerRequest * 1 + llm.cost.completionTokensPerRequest * 2) / 1e6;
    expect(llm.cost.usdPer1kRequests).toBeCloseTo(usd * 1000, 12);
  });

  it("says in every report that a fake answered", () => {
    expect(report.notice).toBe(FAKE_NOTICE);
    expect(report.llm).toMatchObject({ enabled: true, fake: true });
    expect(renderMarkdown(report)).toContain(FAKE_NOTICE);
    expect(renderHtml(report)).toContain(FAKE_NOTICE);
  });

  it("plots quality against cost where LLM rankers ran", () => {
    const html = renderHtml(report);
    expect(html.match(/<svg /g)).toHaveLength(2 * 2 + 1);
    expect(html).toContain("ndcg@10 vs cost, 10 users");
    expect(html).toContain("USD per 1,000 requests");
  });

  it("shows the model each user's last 20 train items, most recent first", () => {
    const expected = sampleUsers(data.p1.testUsers.length, TINY_SUITE.users).llmSample.map((j) =>
      trainHistory(data.p1, data.p1.testUsers[j]).slice(-20).reverse().map((d) => `${data.items[d].title} (1990) | ${data.items[d].genres[0]}`).join("\n"),
    );
    for (const body of server.requests) expect(expected).toContain(shownIn(body).history.join("\n"));
  });
});

describe("sampleUsers", () => {
  it("draws the LLM sample from the suite's sample, deterministically", () => {
    const a = sampleUsers(100, { sample: 30, llmSample: 10, seed: 3 });
    expect(a).toEqual(sampleUsers(100, { sample: 30, llmSample: 10, seed: 3 }));
    expect(a.all).toHaveLength(30);
    expect(a.llmSample.every((j) => a.all.includes(j))).toBe(true);
  });
});

describe("SuiteDefinition", () => {
  it("rejects unknown metric names and duplicate ranker ids", () => {
    const bad = { ...TINY_SUITE, metrics: ["ndcg@10", "auc@5"], rankers: [TINY_SUITE.rankers[0], TINY_SUITE.rankers[0]] };
    const issues = SuiteDefinition.safeParse(bad).error?.issues.map((i) => i.path.join(".")) ?? [];
    expect(issues).toEqual(["rankers", "metrics.1"]);
  });
});
