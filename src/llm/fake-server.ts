import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { LlmConfig, type LlmConfigInput } from "./config.ts";
import { createLlmClient, type LlmClientDeps } from "./openai-client.ts";
import type { LlmClient } from "./types.ts";

/*
 * A scripted OpenAI-compatible server for tests (Node and workerd): POST /v1/chat/completions and
 * GET /v1/models as a Hono app, reached through an injected fetch, so requests go through the real
 * openai SDK and its HTTP path without a socket.
 */

/** What the fake does for one call. */
export interface FakeBehaviour {
  /** The assistant's message (answered with 200 when no `status` is given). */
  content?: string;
  /** Answer with this HTTP error instead (429, 500, 503 ...). */
  status?: number;
  headers?: Record<string, string>;
  /** Wait this long first (to trigger timeouts); aborting the request ends the wait. */
  delayMs?: number;
  /** Reported usage; null omits the field like some local servers do. Default: about 4 characters per token. */
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
  finishReason?: "stop" | "length";
}

/** A valid answer; objects and arrays are sent as their JSON text. */
export const reply = (content: unknown, more: Omit<FakeBehaviour, "content" | "status"> = {}): FakeBehaviour => ({
  ...more,
  content: typeof content === "string" ? content : JSON.stringify(content),
});

/** An HTTP error, with Retry-After (seconds) when given. */
export const httpStatus = (status: number, opts: { retryAfter?: number | string; delayMs?: number } = {}): FakeBehaviour => ({
  status,
  delayMs: opts.delayMs,
  headers: opts.retryAfter === undefined ? undefined : { "retry-after": String(opts.retryAfter) },
});

/** Waits `ms`, then behaves like `then`. */
export const delayed = (ms: number, then: FakeBehaviour = reply("{}")): FakeBehaviour => ({ ...then, delayMs: ms });

export interface ChatRequestBody {
  model: string;
  messages: Array<{ role: string; content: string }>;
  response_format?: { type: string; json_schema?: { name: string; schema: Record<string, unknown> } };
  temperature?: number;
  max_tokens?: number;
  stream?: boolean;
}

/** A queue (one behaviour per call, in order) or a function of the call. */
export type FakeScript = FakeBehaviour[] | ((call: { index: number; body: ChatRequestBody }) => FakeBehaviour | Promise<FakeBehaviour>);

const approxTokens = (text: string) => Math.ceil(text.length / 4);

export class FakeLlmServer {
  readonly app = new Hono();
  /** Every request body received, in arrival order. */
  readonly requests: ChatRequestBody[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private readonly script: FakeScript;

  constructor(script: FakeScript, opts: { models?: string[] } = {}) {
    this.script = Array.isArray(script) ? [...script] : script;
    const models = opts.models ?? ["fake-model"];
    this.app.get("/v1/models", (c) => c.json({ object: "list", data: models.map((id) => ({ id, object: "model", created: 0, owned_by: "fake" })) }));
    this.app.post("/v1/chat/completions", async (c) => {
      const body = (await c.req.json()) as ChatRequestBody;
      const index = this.requests.push(body) - 1;
      this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
      try {
        if (!body.model || !Array.isArray(body.messages)) return c.json(errorBody("model and messages are required"), 400);
        if (body.stream) return c.json(errorBody("the fake server does not stream"), 400);
        const behaviour = await this.next(index, body);
        if (behaviour.delayMs && !(await pause(behaviour.delayMs, c.req.raw.signal))) return new Response(null, { status: 499 }); // the client has gone; nobody reads this
        if (behaviour.status !== undefined) return c.json(errorBody(`scripted ${behaviour.status}`), behaviour.status as ContentfulStatusCode, behaviour.headers);
        return c.json(completion(body, behaviour), 200, behaviour.headers);
      } finally {
        this.inFlight--;
      }
    });
  }

  /** A fetch that serves from the app and, like a real fetch, rejects as soon as the request is aborted. */
  readonly fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const signal = init?.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(abortError());
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(abortError());
      signal?.addEventListener("abort", onAbort, { once: true });
      Promise.resolve(this.app.fetch(new Request(input, init)))
        .then(resolve, reject)
        .finally(() => signal?.removeEventListener("abort", onAbort));
    });
  };

  private async next(index: number, body: ChatRequestBody): Promise<FakeBehaviour> {
    if (typeof this.script === "function") return this.script({ index, body });
    // 418 is never retried, so a test that sends more calls than it scripted fails at once, saying why.
    return this.script.shift() ?? { status: 418, content: `no scripted behaviour left for call #${index + 1}` };
  }
}

function completion(body: ChatRequestBody, b: FakeBehaviour) {
  const content = b.content ?? "";
  const usage = b.usage === null ? undefined : (b.usage ?? {
    prompt_tokens: approxTokens(body.messages.map((m) => m.content).join("")),
    completion_tokens: approxTokens(content),
  });
  return {
    id: "chatcmpl-fake",
    object: "chat.completion",
    created: 0,
    model: body.model,
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: b.finishReason ?? "stop", logprobs: null }],
    ...(usage && { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } }),
  };
}

const errorBody = (message: string) => ({ error: { message, type: "fake_error", code: null } });

const abortError = () => new DOMException("The operation was aborted.", "AbortError");

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setTimeout(() => resolve(true), ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve(false);
    }, { once: true });
  });
}

/** Test defaults: small retry delays so retries are quick, a timeout roomy enough for a loaded machine. */
const FAKE_CONFIG: LlmConfigInput = {
  baseURL: "http://fake-llm.test/v1",
  apiKey: "fake-key",
  model: "fake-model",
  timeoutMs: 10_000,
  retryBaseMs: 1,
  retryMaxMs: 20,
};

/** createLlmClient wired to a FakeLlmServer running `script`. */
export function fakeLlmClient(
  script: FakeScript,
  overrides: Partial<LlmConfigInput> = {},
  deps: Omit<LlmClientDeps, "fetch"> = {},
): { client: LlmClient; server: FakeLlmServer; config: LlmConfig } {
  const server = new FakeLlmServer(script);
  const config = LlmConfig.parse({ ...FAKE_CONFIG, ...overrides });
  return { client: { ...createLlmClient(config, { ...deps, fetch: server.fetch }), isFake: true }, server, config };
}
