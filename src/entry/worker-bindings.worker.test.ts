import { describe, expect, it } from "vitest";
import { describeApiContract, WRITE_KEY } from "../http/api.contract.ts";
import { fixtureApp } from "../http/api.fixture.ts";
import { FakeVectorize } from "../index/vectorize.fake.ts";
import { vectorizeOverStandIn } from "../index/vectorize.fixture.ts";
import { VECTORIZE_METADATA_INDEXES } from "../index/vectorize.ts";
import { WORKERS_AI_DEFAULT_MODEL } from "../llm/workers-ai.ts";
import { aiReply, FakeWorkersAi } from "../llm/workers-ai.fake.ts";
import type { FactorRecommender } from "../models/recommender.ts";
import { workerIndex, workerLlm } from "./worker-bindings.ts";

// Inside workerd, with stand-ins for the VECTORIZE and AI bindings (neither is emulated locally).

describeApiContract(
  "workerd, Vectorize index (stand-in binding, lagging writes)",
  () => fixtureApp({ writable: true, writeKey: WRITE_KEY, maxBodyBytes: 4096, makeIndex: async (d) => vectorizeOverStandIn(d, "lagging").index }),
  { writable: true },
);

const space = { factors: 2, itemVectors: () => Float32Array.of(1, 0, 0, 1) } as unknown as FactorRecommender;
const items = [
  { id: "a", title: "Alpha", genres: [], tags: [] },
  { id: "b", title: "Beta", genres: [], tags: [] },
];

describe("Worker bindings", () => {
  it("serves from Vectorize when VECTORIZE is bound, else from memory", async () => {
    const binding = new FakeVectorize({ dimensions: 2, metadataIndexes: { ...VECTORIZE_METADATA_INDEXES } });
    const vectorize = await workerIndex({ VECTORIZE: binding }, space, items);
    expect(vectorize.kind).toBe("vectorize");
    expect((await vectorize.search("beta", { k: 1 })).map((r) => r.item.id)).toEqual(["b"]);
    const memory = await workerIndex({ VECTORIZE: "not a binding" }, space, items);
    expect(memory.kind).toBe("memory");
    expect(await memory.count()).toBe(2);
  });

  it("refuses a Vectorize index whose dimensions differ from the model's, saying what to do", async () => {
    const wrong = new FakeVectorize({ dimensions: 3 });
    await expect(workerIndex({ VECTORIZE: wrong }, space, items)).rejects.toMatchObject({ code: "invalid_config", message: /has 3 dimensions; the model's item vectors have 2.*--dimensions=2/ });
  });

  it("picks the OpenAI-compatible endpoint first, then Workers AI, else no LLM", async () => {
    const ai = new FakeWorkersAi([aiReply("from workers ai")]);
    const openai = workerLlm({ OPENAI_BASE_URL: "http://llm.test/v1", AI: ai });
    expect([openai.enabled, openai.modelFor("rerank")]).toEqual([true, "gpt-4o-mini"]);

    const workersAi = workerLlm({ AI: ai, RECAGENT_LLM_MODEL: "" });
    expect(workersAi.modelFor("rerank")).toBe(WORKERS_AI_DEFAULT_MODEL);
    const prompt = { id: "p", version: "1", messages: [{ role: "user" as const, content: "hi" }] };
    expect((await workersAi.generate({ stage: "chat-reply", prompt })).value).toBe("from workers ai");
    expect(ai.calls[0].model).toBe(WORKERS_AI_DEFAULT_MODEL);
    expect(workerLlm({ AI: ai, RECAGENT_LLM_MODEL: "@cf/meta/llama-3.3-70b-instruct-fp8-fast" }).modelFor("rerank")).toBe("@cf/meta/llama-3.3-70b-instruct-fp8-fast");

    expect(workerLlm({}).enabled).toBe(false);
  });
});
