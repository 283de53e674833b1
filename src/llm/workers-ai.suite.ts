import { describe, expect, it } from "vitest";
import { RankListwiseAnswer } from "./answers.ts";
import { MemoryCache } from "./cache.ts";
import type { ChatClientDeps } from "./chat-client.ts";
import { LlmConfig, type LlmConfigInput } from "./config.ts";
import { withDeadline } from "./deadline.ts";
import { countPromptTokens, countTokens } from "./tokens.ts";
import { expectFailure, Item, item, prompt } from "./client.fixture.ts";
import type { RenderedPrompt } from "./types.ts";
import { createWorkersAiClient, WORKERS_AI_DEFAULT_MODEL } from "./workers-ai.ts";
import { type AiBehaviour, aiDelayed, aiError, aiReply, FakeWorkersAi } from "./workers-ai.fake.ts";

/*
 * The Workers AI LlmClient against the stand-in binding (workers-ai.fake.ts). Runs in Node (workers-ai.test.ts)
 * and inside workerd (workers-ai.worker.test.ts).
 */


function made(script: AiBehaviour[] | ((call: unknown) => AiBehaviour), config: LlmConfigInput = {}, deps: ChatClientDeps = {}) {
  const ai = new FakeWorkersAi(script);
  const client = createWorkersAiClient(LlmConfig.parse({ model: WORKERS_AI_DEFAULT_MODEL, retryBaseMs: 1, ...config }), ai, deps);
  return { ai, client };
}


export function describeWorkersAiClient(runtime: string): void {
  describe(`LlmClient over the Workers AI binding (${runtime})`, () => {
    it("asks in JSON mode with the schema itself, validates the parsed answer and counts the binding's usage", async () => {
      const { ai, client } = made([aiReply(item, { usage: { prompt_tokens: 120, completion_tokens: 30 } })]);
      const result = await client.generate({ stage: "metadata", prompt, schema: Item, maxTokens: 200 });
      expect(result.value).toEqual(item);
      expect(JSON.parse(result.text)).toEqual(item);
      expect(result.model).toBe(WORKERS_AI_DEFAULT_MODEL);
      expect(result.usage).toMatchObject({ calls: 1, cachedCalls: 0, retries: 0, promptTokens: 120, completionTokens: 30 });
      const [call] = ai.calls;
      expect(call.model).toBe(WORKERS_AI_DEFAULT_MODEL);
      expect(call.inputs).toMatchObject({ messages: prompt.messages, temperature: 0, max_tokens: 200 });
      expect(call.inputs.response_format).toMatchObject({ type: "json_schema", json_schema: { type: "object", required: ["genres", "summary"] } });
    });

    it("wraps a non-object schema as {answer} and unwraps the reply", async () => {
      const { ai, client } = made([aiReply({ answer: ["2", "1"] })]);
      expect((await client.generate({ stage: "rerank", prompt, schema: RankListwiseAnswer })).value).toEqual(["2", "1"]);
      expect(ai.calls[0].inputs.response_format).toMatchObject({ json_schema: { type: "object", required: ["answer"] } });
    });

    it("uses the per-stage model", async () => {
      const { ai, client } = made([aiReply("ok")], { models: { rerank: "@cf/meta/llama-3.3-70b-instruct-fp8-fast" } });
      await client.generate({ stage: "rerank", prompt });
      expect(ai.calls[0].model).toBe("@cf/meta/llama-3.3-70b-instruct-fp8-fast");
      expect(ai.calls[0].inputs.response_format).toBeUndefined();
    });

    it("finds JSON in prose in text mode (models without JSON mode), sending no response_format", async () => {
      const text = `Here you go:\n\`\`\`json\n${JSON.stringify(item)}\n\`\`\``;
      const { ai, client } = made([aiReply(text)], { outputMode: "text" });
      const result = await client.generate({ stage: "metadata", prompt, schema: Item });
      expect(result.value).toEqual(item);
      expect(result.text).toBe(text);
      expect(ai.calls[0].inputs.response_format).toBeUndefined();
    });

    it("fails as malformed on broken JSON or a schema mismatch, with the tokens spent", async () => {
      const broken = made([aiReply('{"genres": ["Drama"', { usage: { prompt_tokens: 50, completion_tokens: 7 } })]);
      const error = await expectFailure(broken.client.generate({ stage: "metadata", prompt, schema: Item }), "malformed");
      expect(error.usage).toMatchObject({ calls: 1, promptTokens: 50, completionTokens: 7 });
      const wrong = made([aiReply({ genres: "Drama", summary: "x" })]);
      expect((await expectFailure(wrong.client.generate({ stage: "metadata", prompt, schema: Item }), "malformed")).message).toMatch(/test-prompt v1: .*genres/);
    });

    it("reads OpenAI-shaped answers too, and says when one was cut off at max tokens", async () => {
      const cut = { choices: [{ message: { content: '{"genres": [' }, finish_reason: "length" }], usage: { prompt_tokens: 9, completion_tokens: 3 } };
      const { client } = made([{ output: cut }, { output: { choices: [{ message: { content: JSON.stringify(item) }, finish_reason: "stop" }] } }]);
      expect((await expectFailure(client.generate({ stage: "metadata", prompt, schema: Item }), "malformed")).message).toMatch(/cut off at max tokens/);
      expect((await client.generate({ stage: "metadata", prompt, schema: Item })).value).toEqual(item);
    });

    it("counts tokens itself when the binding reports no usage", async () => {
      const { client } = made([aiReply("plain words", { usage: null })]);
      const result = await client.generate({ stage: "chat-reply", prompt });
      expect(result.usage).toMatchObject({ promptTokens: countPromptTokens(prompt), completionTokens: countTokens("plain words") });
    });

    it("retries out-of-capacity (3040) and server errors, counting the retries", async () => {
      const delays: number[] = [];
      const { ai, client } = made([aiError(3040, "Capacity temporarily exceeded"), aiError(3001, "Internal server error"), aiReply(item)], {}, {
        sleep: async (ms) => {
          delays.push(ms);
        },
      });
      const result = await client.generate({ stage: "metadata", prompt, schema: Item });
      expect(result.value).toEqual(item);
      expect(result.usage.retries).toBe(2);
      expect(delays).toHaveLength(2);
      expect(ai.calls).toHaveLength(3);
    });

    it("does not retry a spent daily allocation (3036), an unknown model (5007) or invalid input (5006)", async () => {
      const spent = made([aiError(3036, "daily free allocation used up")]);
      expect((await expectFailure(spent.client.generate({ stage: "rerank", prompt }), "rate_limited")).message).toMatch(/\(429\).*3036/);
      expect(spent.ai.calls).toHaveLength(1);
      const unknown = made([], { model: "gpt-4o-mini" });
      expect((await expectFailure(unknown.client.generate({ stage: "rerank", prompt }), "rejected")).message).toMatch(/5007: No such model gpt-4o-mini/);
      expect(unknown.ai.calls).toHaveLength(1);
    });

    it("gives up with server_error once retries are exhausted, and on an answer that is not an object", async () => {
      const { ai, client } = made([aiError(3001), aiError(3001), aiError(3001)], { maxRetries: 2 });
      expect((await expectFailure(client.generate({ stage: "metadata", prompt }), "server_error")).usage).toMatchObject({ calls: 1, retries: 2 });
      expect(ai.calls).toHaveLength(3);
      const odd = made([{ output: "just a string" }, { output: { result: "x" } }]);
      expect((await expectFailure(odd.client.generate({ stage: "metadata", prompt }), "server_error")).message).toMatch(/answered with a string/);
      expect((await expectFailure(odd.client.generate({ stage: "metadata", prompt }), "server_error")).message).toMatch(/without "response" \(keys: result\)/);
      expect(odd.ai.calls).toHaveLength(2);
    });

    it("times out a slow binding without retrying it, and a deadline fails as timeout", async () => {
      const slow = made([aiDelayed(30_000, aiReply(item))], { timeoutMs: 100 });
      await expectFailure(slow.client.generate({ stage: "metadata", prompt, schema: Item }), "timeout");
      expect(slow.ai.calls).toHaveLength(1);
      const hung = made([aiDelayed(60_000, aiReply("late"))], { timeoutMs: 30_000 });
      const error = await expectFailure(withDeadline(100, undefined, (signal) => hung.client.generate({ stage: "rerank", prompt, signal })), "timeout");
      expect(error.message).toMatch(/deadline passed/);
      const caller = new AbortController();
      const left = made(() => {
        caller.abort();
        return aiDelayed(30_000, aiReply("late"));
      });
      await expectFailure(left.client.generate({ stage: "rerank", prompt, signal: caller.signal }), "aborted");
    });

    it("answers a repeated request from the cache and refuses a prompt over budget before calling", async () => {
      const { ai, client } = made([aiReply(item)], { promptBudgets: { rerank: 50 } }, { cache: new MemoryCache() });
      await client.generate({ stage: "metadata", prompt, schema: Item });
      const second = await client.generate({ stage: "metadata", prompt, schema: Item });
      expect(second.value).toEqual(item);
      expect(second.usage).toMatchObject({ calls: 1, cachedCalls: 1, promptTokens: 0 });
      const long: RenderedPrompt = { ...prompt, messages: [{ role: "user", content: "word ".repeat(400) }] };
      await expectFailure(client.generate({ stage: "rerank", prompt: long }), "budget");
      expect(ai.calls).toHaveLength(1);
    });
  });
}
