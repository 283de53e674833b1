import { beforeAll, describe, expect, it } from "vitest";
import { MemoryIndex } from "../index/memory.ts";
import { type Fixture, fixtureApp } from "./api.fixture.ts";
import { createApp } from "./app.ts";
import type { AppDeps } from "./deps.ts";
import type { AppMetrics, Logger, RequestRecord } from "./observability.ts";

type Fields = Record<string, unknown>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Keeps what the app reports, as the Node service's prom-client and pino would receive it. */
function recorders() {
  const requests: RequestRecord[] = [];
  const fallbacks: Array<[string, string]> = [];
  const lines: Array<{ level: string; fields: Fields; message: string }> = [];
  const metrics: AppMetrics = {
    request: (r) => requests.push(r),
    fallback: (stage, reason) => fallbacks.push([stage, reason]),
    exposition: async () => ({ contentType: "text/plain; version=0.0.4", body: `requests ${requests.length}\n` }),
  };
  const loggerWith = (bound: Fields): Logger => ({
    info: (fields, message) => lines.push({ level: "info", fields: { ...bound, ...fields }, message }),
    warn: (fields, message) => lines.push({ level: "warn", fields: { ...bound, ...fields }, message }),
    error: (fields, message) => lines.push({ level: "error", fields: { ...bound, ...fields }, message }),
    child: (more) => loggerWith({ ...bound, ...more }),
  });
  return { requests, fallbacks, lines, metrics, logger: loggerWith({}) };
}

/** Request ids, route-pattern metrics, request logs and /metrics: in Node (observability.test.ts) and workerd. */
export function describeObservability(runtime: string): void {
  describe(`request ids, logs and metrics (${runtime})`, () => {
    let fx: Fixture;
    beforeAll(async () => {
      fx = await fixtureApp({ writable: false, makeIndex: async (d) => new MemoryIndex(d) });
    });
    const observed = (more: Partial<AppDeps> = {}) => {
      const r = recorders();
      return { ...r, app: createApp({ ...fx.deps, metrics: r.metrics, logger: r.logger, ...more }) };
    };
    const post = (body: unknown) => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

    it("echoes a sane x-request-id, replaces anything else with a fresh id, and logs each request under it", async () => {
      const { app, lines } = observed();
      const kept = await app.request("/healthz", { headers: { "x-request-id": "trace-4bf92f3577b34da6.a3ce929d:0e0e" } });
      expect(kept.headers.get("x-request-id")).toBe("trace-4bf92f3577b34da6.a3ce929d:0e0e");
      for (const insane of ["has spaces", "x".repeat(129), 'quote"d', "semi;colon", "\u00fcml\u00e4ut"]) {
        const res = await app.request("/healthz", { headers: { "x-request-id": insane } });
        expect(res.headers.get("x-request-id")).toMatch(UUID);
      }
      const fresh = await app.request("/v1/recommendations", post({ k: 0 }));
      expect(fresh.status).toBe(400);
      const id = fresh.headers.get("x-request-id");
      expect(id).toMatch(UUID);
      expect(lines.at(-1)).toEqual({ level: "info", message: "request", fields: { req_id: id, method: "POST", route: "/v1/recommendations", path: "/v1/recommendations", status: 400, ms: expect.any(Number) } });
      expect(lines[0].fields.req_id).toBe("trace-4bf92f3577b34da6.a3ce929d:0e0e");
    });

    it("labels requests with the route pattern, never the raw path, and unmatched paths as such", async () => {
      const { app, requests } = observed();
      expect((await app.request("/v1/items/1")).status).toBe(200);
      expect((await app.request("/v1/items/no-such-item")).status).toBe(404);
      expect((await app.request("/v1/items/2/similar?k=3")).status).toBe(200);
      expect((await app.request("/no/such/path")).status).toBe(404);
      expect((await app.request("/v1/items", post({ title: "New" }))).status).toBe(401);
      expect(requests.map(({ method, route, status }) => `${method} ${route} ${status}`)).toEqual([
        "GET /v1/items/:id 200",
        "GET /v1/items/:id 404",
        "GET /v1/items/:id/similar 200",
        "GET unmatched 404",
        "POST /v1/items 401",
      ]);
      expect(requests.every((r) => r.seconds >= 0)).toBe(true);
    });

    it("counts an LLM stage that fell back, by stage and reason", async () => {
      const { app, fallbacks } = observed();
      const res = await app.request("/v1/recommendations", post({ user_id: "k1", rerank: "llm" }));
      expect(((await res.json()) as Fields).ranker).toEqual({ name: "retrieval", fallback: "disabled" });
      await app.request("/v1/recommendations", post({ user_id: "k1" }));
      expect(fallbacks).toEqual([["rerank", "disabled"]]);
    });

    it("logs an unexpected failure with the request's id and answers 500 without details", async () => {
      const broken = Object.create(fx.deps.recommendations, { recommend: { value: async () => Promise.reject(new Error("disk on fire")) } });
      const { app, lines } = observed({ recommendations: broken });
      const res = await app.request("/v1/recommendations", post({ user_id: "k1" }));
      expect(res.status).toBe(500);
      expect(await res.text()).not.toContain("disk on fire");
      const error = lines.find((l) => l.level === "error");
      expect(error?.message).toBe("unhandled error");
      expect(error?.fields.req_id).toBe(res.headers.get("x-request-id"));
      expect((error?.fields.err as Error).message).toBe("disk on fire");
    });

    it("serves GET /metrics from the metrics it is given, and has no such route without them", async () => {
      const { app } = observed();
      await app.request("/healthz");
      const res = await app.request("/metrics");
      expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4");
      expect(await res.text()).toBe("requests 1\n");
      expect((await fx.app.request("/metrics")).status).toBe(404);
    });
  });
}
