import { describe, expect, it } from "vitest";
import { InputError } from "../core/errors.ts";
import { createApp } from "../http/app.ts";
import { fixtureApp } from "../http/api.fixture.ts";
import { MemoryIndex } from "../index/memory.ts";
import { httpStatus } from "../llm/fake-server.ts";
import { fakeRanker, labels } from "../ranking/listwise-fake.ts";
import { nodeObservability } from "./observability.node.ts";

const json = (body: unknown) => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** The value of one series in a Prometheus text exposition, or undefined when it is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function observedApp(level?: string) {
  const lines: string[] = [];
  let index: MemoryIndex | undefined;
  const observability = nodeObservability({
    // The fixture makes the index; the metrics read it only when scraped.
    index: { get kind() { return index?.kind ?? "none"; }, count: async () => (await index?.count()) ?? 0 },
    level,
    destination: { write: (line: string) => void lines.push(line) },
    processMetrics: false,
  });
  // The first re-ranking call answers (reversing the candidates shown); the second gets a 500.
  const { client } = fakeRanker((shown, call) => (call === 0 ? labels(...shown.candidates.map((_, p) => p + 1).reverse()) : httpStatus(500)), { maxRetries: 0 });
  const fx = await fixtureApp({ writable: false, llm: observability.observeLlm(client), makeIndex: async (d) => (index = new MemoryIndex(d)) });
  return { app: createApp({ ...fx.deps, logger: observability.logger, metrics: observability.metrics }), lines };
}

describe("nodeObservability (prom-client, pino)", () => {
  it("serves request counts and latencies by route and status, LLM calls, tokens and fallbacks by stage, and the index", async () => {
    const { app } = await observedApp("silent");
    const served = (await (await app.request("/v1/recommendations", json({ user_id: "k1", rerank: "llm" }))).json()) as { ranker: unknown };
    const fellBack = (await (await app.request("/v1/recommendations", json({ user_id: "k1", rerank: "llm" }))).json()) as { ranker: unknown };
    expect([served.ranker, fellBack.ranker]).toEqual([{ name: "llm-listwise" }, { name: "retrieval", fallback: "server_error" }]);
    await app.request("/v1/items/1");
    await app.request("/v1/items/nope");
    await app.request("/nope");

    const res = await app.request("/metrics");
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const expected: Record<string, number> = {
      'recagent_http_requests_total{method="POST",route="/v1/recommendations",status="200"}': 2,
      'recagent_http_requests_total{method="GET",route="/v1/items/:id",status="200"}': 1,
      'recagent_http_requests_total{method="GET",route="/v1/items/:id",status="404"}': 1,
      'recagent_http_requests_total{method="GET",route="unmatched",status="404"}': 1,
      'recagent_http_request_duration_seconds_count{method="POST",route="/v1/recommendations",status="200"}': 2,
      'recagent_http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/v1/recommendations",status="200"}': 2,
      'recagent_llm_calls_total{stage="rerank",outcome="ok"}': 1,
      'recagent_llm_calls_total{stage="rerank",outcome="server_error"}': 1,
      'recagent_llm_tokens_total{stage="rerank",kind="prompt"}': 100,
      'recagent_llm_tokens_total{stage="rerank",kind="completion"}': 10,
      'recagent_llm_call_duration_seconds_count{stage="rerank"}': 2,
      'recagent_llm_fallbacks_total{stage="rerank",reason="server_error"}': 1,
      'recagent_index_items{kind="memory"}': 12,
    };
    expect(Object.fromEntries(Object.keys(expected).map((series) => [series, sample(text, series)]))).toEqual(expected);
    expect(text).toContain("# TYPE recagent_http_request_duration_seconds histogram");
  });

  it("writes one JSON line per request with its id, route, status and time", async () => {
    const { app, lines } = await observedApp();
    const res = await app.request("/v1/items/1", { headers: { "x-request-id": "abc-123" } });
    expect(res.headers.get("x-request-id")).toBe("abc-123");
    const logged = lines.map((l) => JSON.parse(l));
    expect(logged).toEqual([
      { level: 30, time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), pid: process.pid, hostname: expect.any(String), req_id: "abc-123", method: "GET", route: "/v1/items/:id", path: "/v1/items/1", status: 200, ms: expect.any(Number), msg: "request" },
    ]);
  });

  it("logs at the level asked for, and refuses a level that does not exist", async () => {
    const { app, lines } = await observedApp("warn");
    await app.request("/v1/items/1");
    expect(lines).toEqual([]);
    expect(() => nodeObservability({ index: new MemoryIndex(2), level: "loud" })).toThrow(InputError);
    expect(() => nodeObservability({ index: new MemoryIndex(2), level: "loud" })).toThrow(/LOG_LEVEL=loud is not a log level; use one of .*info/);
  });
});
