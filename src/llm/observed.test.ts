import { describe, expect, it } from "vitest";
import { MemoryCache } from "./cache.ts";
import { delayed, fakeLlmClient, httpStatus, reply } from "./fake-server.ts";
import { type LlmCallRecord, observedLlmClient } from "./observed.ts";
import type { RenderedPrompt } from "./types.ts";

const prompt: RenderedPrompt = { id: "p", version: "1", messages: [{ role: "user", content: "Say hi." }] };

describe("observedLlmClient", () => {
  it("reports each call's stage, outcome and tokens, failures and cache hits included, and changes nothing else", async () => {
    const { client } = fakeLlmClient([reply("hi", { usage: { prompt_tokens: 7, completion_tokens: 2 } }), httpStatus(400), delayed(60_000)], { timeoutMs: 100, deadlines: { rerank: 1234 } }, { cache: new MemoryCache() });
    const calls: LlmCallRecord[] = [];
    const observed = observedLlmClient(client, (c) => calls.push(c));
    expect([observed.enabled, observed.modelFor("rerank"), observed.promptBudget("rerank"), observed.deadlineMs("rerank")]).toEqual([true, "fake-model", 4000, 1234]);

    expect((await observed.generate({ stage: "chat-reply", prompt })).value).toBe("hi");
    expect((await observed.generate({ stage: "chat-reply", prompt })).value).toBe("hi");
    const other: RenderedPrompt = { ...prompt, messages: [{ role: "user", content: "Say bye." }] };
    await expect(observed.generate({ stage: "rerank", prompt: other })).rejects.toMatchObject({ reason: "rejected" });
    await expect(observed.generate({ stage: "metadata", prompt: { ...other, id: "q" }, temperature: 0.5 })).rejects.toMatchObject({ reason: "timeout" });

    expect(calls.map((c) => [c.stage, c.outcome, c.usage.promptTokens, c.usage.completionTokens])).toEqual([
      ["chat-reply", "ok", 7, 2],
      ["chat-reply", "cached", 0, 0],
      ["rerank", "rejected", 0, 0],
      ["metadata", "timeout", 0, 0],
    ]);
  });
});
