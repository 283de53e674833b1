import { describe, expect, it } from "vitest";
import { llmConfigFromEnv, llmCostUsd, llmEnabled } from "./config.ts";
import { NO_USAGE } from "./types.ts";

describe("llmConfigFromEnv", () => {
  it("is disabled with neither an endpoint URL nor a key, and enabled with either", () => {
    expect(llmEnabled(llmConfigFromEnv({}))).toBe(false);
    expect(llmEnabled(llmConfigFromEnv({ OPENAI_BASE_URL: "  ", OPENAI_API_KEY: "" }))).toBe(false);
    expect(llmEnabled(llmConfigFromEnv({ OPENAI_BASE_URL: "http://127.0.0.1:11434/v1" }))).toBe(true);
    expect(llmEnabled(llmConfigFromEnv({ OPENAI_API_KEY: "sk-test" }))).toBe(true);
  });

  it("reads every setting, per-stage models and budgets included", () => {
    const config = llmConfigFromEnv({
      OPENAI_BASE_URL: "http://localhost:8000/v1",
      RECAGENT_LLM_MODEL: "qwen2.5-7b",
      RECAGENT_LLM_MODEL_RERANK: "qwen2.5-32b",
      RECAGENT_LLM_MODEL_CHAT_PARSE: "small",
      RECAGENT_LLM_BUDGET: "3000",
      RECAGENT_LLM_BUDGET_CHAT_REPLY: "1500",
      RECAGENT_LLM_TIMEOUT_MS: "12000",
      RECAGENT_LLM_MAX_RETRIES: "0",
      RECAGENT_LLM_CONCURRENCY: "8",
      RECAGENT_LLM_PRICE_INPUT: "0.15",
      RECAGENT_LLM_PRICE_OUTPUT: "0.6",
      RECAGENT_LLM_OUTPUT_MODE: "text",
      RECAGENT_LLM_DEADLINE_MS: "2500",
      RECAGENT_LLM_DEADLINE_MS_CHAT_REPLY: "6000",
      UNRELATED: "x",
    });
    expect(config).toMatchObject({
      baseURL: "http://localhost:8000/v1",
      model: "qwen2.5-7b",
      models: { rerank: "qwen2.5-32b", "chat-parse": "small" },
      promptBudget: 3000,
      promptBudgets: { "chat-reply": 1500 },
      timeoutMs: 12000,
      maxRetries: 0,
      concurrency: 8,
      priceInputPerMTok: 0.15,
      priceOutputPerMTok: 0.6,
      outputMode: "text",
      deadlineMs: 2500,
      deadlines: { "chat-reply": 6000 },
    });
    expect(config.apiKey).toBeUndefined();
  });

  it("gives interactive stages a 3 s deadline unless told otherwise", () => {
    expect(llmConfigFromEnv({})).toMatchObject({ deadlineMs: 3000, deadlines: {} });
  });

  it("names the variable at fault", () => {
    expect(() => llmConfigFromEnv({ RECAGENT_LLM_TIMEOUT_MS: "soon" })).toThrow(/RECAGENT_LLM_TIMEOUT_MS/);
    expect(() => llmConfigFromEnv({ RECAGENT_LLM_OUTPUT_MODE: "xml" })).toThrow(/RECAGENT_LLM_OUTPUT_MODE/);
    expect(() => llmConfigFromEnv({ RECAGENT_LLM_BUDGET_RERANK: "-5" })).toThrow(/RECAGENT_LLM_BUDGET_RERANK/);
    expect(() => llmConfigFromEnv({ OPENAI_BASE_URL: "not a url" })).toThrow(/OPENAI_BASE_URL/);
    expect(() => llmConfigFromEnv({ RECAGENT_LLM_DEADLINE_MS: "0" })).toThrow(/RECAGENT_LLM_DEADLINE_MS: /);
    expect(() => llmConfigFromEnv({ RECAGENT_LLM_DEADLINE_MS_RERANK: "86400000" })).toThrow(/RECAGENT_LLM_DEADLINE_MS_RERANK/);
  });
});

describe("llmCostUsd", () => {
  const usage = { ...NO_USAGE, promptTokens: 2_000_000, completionTokens: 500_000 };
  it("prices tokens per million, and is unknown when no price is configured", () => {
    expect(llmCostUsd(usage, { priceInputPerMTok: 0.15, priceOutputPerMTok: 0.6 })).toBeCloseTo(0.6);
    expect(llmCostUsd(usage, { priceInputPerMTok: 0, priceOutputPerMTok: 0 })).toBeUndefined();
  });
});
