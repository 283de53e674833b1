import { describe, expect, it } from "vitest";
import { MemoryIndex } from "../index/memory.ts";
import type { LlmConfigInput } from "../llm/config.ts";
import { delayed, type FakeScript, fakeLlmClient, httpStatus, reply } from "../llm/fake-server.ts";
import { fixtureApp } from "./api.fixture.ts";

type Json = Record<string, any>;

/** rerank: "llm" end to end: HTTP -> service -> listwise ranker -> openai SDK -> scripted fake endpoint. */
async function appWith(script: FakeScript, config: Partial<LlmConfigInput> = {}) {
  const { client, server } = fakeLlmClient(script, { timeoutMs: 2000, maxRetries: 1, retryBaseMs: 1, ...config });
  const fx = await fixtureApp({ writable: false, llm: client, makeIndex: async (d) => new MemoryIndex(d) });
  const call = async (rerank: string, more: Json = {}) => {
    const started = Date.now();
    const r = await fx.app.request("/v1/recommendations", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ user_id: "k1", k: 5, rerank, ...more }) });
    return { status: r.status, json: (await r.json()) as Json, ms: Date.now() - started };
  };
  return { call, server, health: async () => (await (await fx.app.request("/healthz")).json()) as Json };
}

async function ask(script: FakeScript) {
  const { call, server, health } = await appWith(script);
  return { plain: await call("none"), reranked: await call("llm"), server, health: await health() };
}

const ids = (json: Json) => json.items.map((i: Json) => i.id);

/**
 * Run in Node (rerank.test.ts) and inside workerd (rerank.worker.test.ts). The hanging endpoint would hold a call
 * for a minute and the per-attempt timeout is 30 s (the default): only the deadline can answer sooner. The bound on
 * elapsed time is generous, and the tests' own 20 s timeout catches a deadline that does not fire where the
 * clock does not advance during a request (workerd).
 */
export function describeRerankApi(runtime: string): void {
  const hanging = () => delayed(60_000, reply("[1]"));

  describe(`POST /v1/recommendations with rerank: llm (${runtime})`, () => {
    it("serves the model's order when it answers, with usage", async () => {
      // The fake answers with the labels it was shown, last first: a full reversal of the window.
      const { plain, reranked, server, health } = await ask(({ body }) => {
        const labels = [...String(body.messages.at(-1)?.content).matchAll(/^\[(\d+)\]/gm)].map((m) => m[1]);
        return reply(JSON.stringify(labels.reverse().map(Number)));
      });
      expect(health.llm).not.toBe("off");
      expect(reranked.status).toBe(200);
      expect(reranked.json.ranker).toEqual({ name: "llm-listwise" });
      expect(reranked.json.usage.calls).toBe(1);
      expect(reranked.json.usage.prompt_tokens).toBeGreaterThan(0);
      expect(server.requests).toHaveLength(1);
      expect(ids(reranked.json)).not.toEqual(ids(plain.json));
    });

    it("falls back to retrieval order, labelled, when the endpoint fails", async () => {
      const { plain, reranked } = await ask([httpStatus(500), httpStatus(500), httpStatus(500)]);
      expect(reranked.status).toBe(200);
      expect(reranked.json.ranker).toEqual({ name: "retrieval", fallback: "server_error" });
      expect(ids(reranked.json)).toEqual(ids(plain.json));
    });

    it("answers by the configured deadline when the endpoint hangs, in retrieval order labelled timeout", { timeout: 20_000 }, async () => {
      const { call, server } = await appWith(hanging, { timeoutMs: 30_000, deadlineMs: 300 });
      const plain = await call("none");
      const reranked = await call("llm");
      expect(reranked.status).toBe(200);
      expect(reranked.json.ranker).toEqual({ name: "retrieval", fallback: "timeout" });
      expect(ids(reranked.json)).toEqual(ids(plain.json));
      expect(server.requests).toHaveLength(1);
      expect(reranked.ms).toBeLessThan(10_000);
    });

    it("takes rerank_budget_ms when it asks for less than the configured deadline, never more", { timeout: 20_000 }, async () => {
      const patient = await appWith(hanging, { timeoutMs: 30_000, deadlineMs: 60_000 });
      const asked = await patient.call("llm", { rerank_budget_ms: 300 });
      expect(asked.json.ranker).toEqual({ name: "retrieval", fallback: "timeout" });
      expect(asked.ms).toBeLessThan(10_000);

      const strict = await appWith(hanging, { timeoutMs: 30_000, deadlineMs: 300 });
      const greedy = await strict.call("llm", { rerank_budget_ms: 600_000 });
      expect(greedy.json.ranker).toEqual({ name: "retrieval", fallback: "timeout" });
      expect(greedy.ms).toBeLessThan(10_000);
    });

    it("rejects a rerank_budget_ms that is not a whole number of milliseconds in range", async () => {
      const { call } = await appWith([]);
      for (const budget of [0, 2.5, "fast", 600_001]) {
        const r = await call("llm", { rerank_budget_ms: budget });
        expect(r.status).toBe(400);
        expect(r.json.message).toMatch(/^rerank_budget_ms: /);
      }
    });
  });
}
