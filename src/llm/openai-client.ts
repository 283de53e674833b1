import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import { AttemptFailure, type ChatClientDeps, createChatClient } from "./chat-client.ts";
import { type LlmConfig, llmEnabled } from "./config.ts";
import { retryAfterMs } from "./retry.ts";
import { responseFormatFor } from "./structured-output.ts";
import { type LlmClient, LlmError } from "./types.ts";

export interface LlmClientDeps extends ChatClientDeps {
  /** Replaces the global fetch (tests route it into the fake server; no socket needed). */
  fetch?: (url: string | URL | Request, init?: RequestInit) => Promise<Response>;
}

const OPENAI_BASE_URL = "https://api.openai.com/v1";

export function disabledLlmClient(): LlmClient {
  return {
    enabled: false,
    modelFor: () => "none",
    promptBudget: () => 0,
    deadlineMs: () => 0,
    generate: async () => {
      throw new LlmError("disabled", "No LLM endpoint is configured: set OPENAI_BASE_URL and/or OPENAI_API_KEY");
    },
  };
}

/**
 * An LlmClient over the openai SDK's chat.completions, for any OpenAI-compatible endpoint (chat-client.ts does
 * the rest). Retries are ours (the SDK's are off) so they are counted.
 */
export function createLlmClient(config: LlmConfig, deps: LlmClientDeps = {}): LlmClient {
  if (!llmEnabled(config)) return disabledLlmClient();
  const openai = new OpenAI({
    // Everything explicit, so the SDK does not fill gaps from process.env.
    baseURL: config.baseURL ?? OPENAI_BASE_URL,
    apiKey: config.apiKey ?? "unused",
    organization: null,
    project: null,
    maxRetries: 0,
    timeout: config.timeoutMs,
    logLevel: "off",
    ...(deps.fetch && { fetch: deps.fetch }),
  });
  return createChatClient<OpenAI.ChatCompletionCreateParamsNonStreaming>(
    config,
    {
      body(req, model) {
        const responseFormat = responseFormatFor(req.schema, config.outputMode, req.prompt.id);
        return {
          model,
          messages: req.prompt.messages,
          temperature: req.temperature ?? 0,
          ...(req.maxTokens !== undefined && { max_tokens: req.maxTokens }),
          ...(responseFormat && { response_format: responseFormat }),
        };
      },
      async send(body, signal) {
        const completion = await openai.chat.completions.create(body, { signal });
        const choice = completion.choices[0];
        return {
          text: choice?.message?.content ?? "",
          model: completion.model,
          promptTokens: completion.usage?.prompt_tokens,
          completionTokens: completion.usage?.completion_tokens,
          truncated: choice?.finish_reason === "length",
        };
      },
      classify,
    },
    deps,
  );
}

function classify(e: unknown, nowMs: number): AttemptFailure {
  if (e instanceof APIConnectionTimeoutError) return new AttemptFailure("timeout", "The LLM endpoint did not answer in time", false, e);
  if (e instanceof APIConnectionError) return new AttemptFailure("network", `Could not reach the LLM endpoint: ${e.message}`, true, e);
  if (e instanceof APIError && e.status !== undefined) {
    const said = `The LLM endpoint answered ${e.status}: ${e.message}`;
    if (e.status === 429) return new AttemptFailure("rate_limited", said, true, e, retryAfterMs(e.headers, nowMs));
    if (e.status === 408) return new AttemptFailure("timeout", said, true, e);
    if (e.status >= 500) return new AttemptFailure("server_error", said, true, e, retryAfterMs(e.headers, nowMs));
    return new AttemptFailure("rejected", said, false, e);
  }
  // E.g. a 200 whose body is not a chat completion: the server is broken, and asking again will not fix it.
  return new AttemptFailure("server_error", `Unexpected reply from the LLM endpoint: ${e instanceof Error ? e.message : String(e)}`, false, e);
}
