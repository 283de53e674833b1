import { describe, expect, it } from "vitest";
import { fakeLlmClient, httpStatus, reply } from "../llm/fake-server.ts";
import { MemoryIndex } from "../index/memory.ts";
import { fixtureApp } from "./api.fixture.ts";

type Json = Record<string, any>;

/** rerank: "llm" end to end: HTTP -> service -> listwise ranker -> openai SDK -> scripted fake endpoint. */
async function ask(script: Parameters<typeof fakeLlmClient>[0]) {
  const { client, server } = fakeLlmClient(script, { timeoutMs: 2000, maxRetries: 1, retryBaseMs: 1 });
  const fx = await fixtureApp({ writable: false, llm: client, makeIndex: async (d) => new MemoryIndex(d) });
  const call = async (rerank: string) => {
    const r = await fx.app.request("/v1/recommendations", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ user_id: "k1", k: 5, rerank }) });
    return { status: r.status, json: (await r.json()) as Json };
  };
  return { plain: await call("none"), reranked: await call("llm"), server, health: (await (await fx.app.request("/healthz")).json()) as Json };
}

const ids = (json: Json) => json.items.map((i: Json) => i.id);

describe("POST /v1/recommendations with rerank: llm", () => {
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
});
