import { beforeAll, describe, expect, it } from "vitest";
import { ChatAgent } from "../agent/chat/agent.ts";
import { ChatVocabulary } from "../agent/chat/vocabulary.ts";
import { MemoryIndex } from "../index/memory.ts";
import type { LlmConfigInput } from "../llm/config.ts";
import { delayed, type FakeScript, fakeLlmClient, httpStatus, reply } from "../llm/fake-server.ts";
import { WRITE_KEY } from "./api.contract.ts";
import { type Fixture, fixtureApp } from "./api.fixture.ts";
import { createApp } from "./app.ts";
import type { AppDeps } from "./deps.ts";

type Json = Record<string, any>;
type App = { request: (path: string, init: RequestInit) => Response | Promise<Response> };

export interface ServerEvent {
  event: string;
  data: Json;
}

/** A whole text/event-stream body as its events, in order. */
export function parseEvents(text: string): ServerEvent[] {
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const lines = block.split("\n");
      const event = lines.find((l) => l.startsWith("event: "))?.slice(7) ?? "message";
      const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
      return { event, data: JSON.parse(data) };
    });
}

const user = (content: string) => ({ role: "user", content });

async function chat(app: App, body: unknown, headers: Record<string, string> = {}) {
  const res = await app.request("/v1/chat", { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Json };
}

async function chatEvents(app: App, body: unknown) {
  const res = await app.request("/v1/chat", { method: "POST", headers: { "content-type": "application/json", accept: "text/event-stream" }, body: JSON.stringify(body) });
  expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
  // text() resolves only once the server closes the stream: a hung connection would time the test out.
  return parseEvents(await res.text());
}

/** POST /v1/chat and GET /, run in Node (chat.test.ts) and inside workerd (chat.worker.test.ts). */
export function describeChatApi(runtime: string): void {
  describe(`chat API (${runtime})`, () => {
    let fx: Fixture;
    beforeAll(async () => {
      fx = await fixtureApp({ writable: false, writeKey: WRITE_KEY, makeIndex: async (d) => new MemoryIndex(d) });
    });
    const appWith = (deps: Partial<AppDeps>) => createApp({ ...fx.deps, ...deps });
    /** A chat agent over a scripted LLM, and the fake server that plays it. */
    const agentWith = (script: FakeScript, overrides: Partial<LlmConfigInput> = {}) => {
      const { client, server } = fakeLlmClient(script, overrides);
      return { server, agent: new ChatAgent({ recommendations: fx.deps.recommendations, index: fx.deps.index, vocabulary: ChatVocabulary.fromItems(fx.build.items), llm: client }) };
    };

    it("answers a turn with a reply, recommendations, a question and a signed state, and takes the state back", async () => {
      const first = await chat(fx.app, { messages: [user("something like Toy Story")] });
      expect(first.status).toBe(200);
      expect(first.json).toMatchObject({ parser: "rules", writer: "template", question: { attribute: "genre" } });
      expect(first.json.reply).toMatch(/^Looking for: similar to Toy Story\. Here are 10 picks/);
      expect(first.json.recommendations[0]).toEqual({ id: expect.any(String), title: expect.any(String), year: expect.any(Number), genres: expect.any(Array), score: expect.any(Number), reasons: expect.any(Array) });
      expect(first.json.state.split(".")).toHaveLength(3);
      expect(first.json.fallbacks).toBeUndefined();
      const second = await chat(fx.app, { messages: [user("something like Toy Story"), { role: "assistant", content: first.json.reply }, user("Comedy")], state: first.json.state });
      expect(second.status).toBe(200);
      expect(second.json.question).toBeUndefined();
      expect(second.json.recommendations.every((i: Json) => i.genres.includes("Comedy"))).toBe(true);
    });

    it("refuses a tampered or unsigned state with a 400 that says to start afresh", async () => {
      const { json } = await chat(fx.app, { messages: [user("no horror")] });
      const [v, body, sig] = json.state.split(".");
      const tampered = await chat(fx.app, { messages: [user("more")], state: `${v}.${body.slice(0, -2)}AA.${sig}` });
      expect(tampered.status).toBe(400);
      expect(tampered.json.message).toMatch(/state signature does not match.*start a new conversation by sending no state/);
      const unsigned = await chat(fx.app, { messages: [user("more")], state: `${v}.${body}` });
      expect(unsigned.status).toBe(400);
      expect(unsigned.json.message).toMatch(/not signed/);
      const elsewhere = await chat(appWith({ chatStateKey: "another key" }), { messages: [user("more")], state: json.state });
      expect(elsewhere.json.message).toMatch(/signed with another key/);
    });

    it("rejects bad input with a 4xx and a message a person can act on", async () => {
      const long = "x".repeat(2001);
      const cases: Array<[unknown, RegExp]> = [
        ["{not json", /malformed|json/i],
        [{}, /^messages: /],
        [{ messages: [] }, /^messages: Too small/],
        [{ messages: [user("")] }, /^messages\.0\.content: must not be empty/],
        [{ messages: [user("   ")] }, /^messages\.0\.content: must not be empty/],
        [{ messages: [user(long)] }, /^messages\.0\.content: Too big/],
        [{ messages: [{ role: "system", content: "obey" }] }, /^messages\.0\.role: /],
        [{ messages: [{ role: "user", content: "hi", name: "x" }] }, /name/],
        [{ messages: Array.from({ length: 51 }, () => user("hi")) }, /^messages: Too big/],
        [{ messages: [user("hi"), { role: "assistant", content: "hello" }] }, /the last message must have role "user"/],
        [{ messages: [user("hi")], state: "garbage" }, /state is not a chat state token/],
        [{ messages: [user("hi")], k: 0 }, /^k: /],
        [{ messages: [user("hi")], k: 51 }, /^k: /],
      ];
      for (const [body, message] of cases) {
        const { status, json } = await chat(fx.app, body);
        expect(status, JSON.stringify(body).slice(0, 80)).toBe(400);
        expect(json.message).toMatch(message);
      }
    });

    it("streams events: recommendations first, then the reply, the state and done", async () => {
      const events = await chatEvents(fx.app, { messages: [user("I loved Alien and The Terminator")] });
      expect(events.map((e) => e.event)).toEqual(["recommendations", "delta", "state", "done"]);
      expect(events[0].data.recommendations.length).toBeGreaterThan(0);
      expect(events[1].data.text).toMatch(/^Looking for: similar to Alien and The Terminator\./);
      expect(events[2].data).toMatchObject({ state: expect.stringMatching(/^v1\./), parser: "rules", writer: "template" });
    });

    it("ends a stream whose LLM fails mid-way with an error event and a non-LLM answer, then closes it", async () => {
      const parsed = reply({ liked_titles: ["Toy Story"], want_genres: ["Comedy"] });
      const app = appWith({ chat: agentWith([parsed, httpStatus(503)], { maxRetries: 0 }).agent });
      const events = await chatEvents(app, { messages: [user("Comedies like Toy Story")] });
      expect(events.map((e) => e.event)).toEqual(["recommendations", "error", "delta", "state", "done"]);
      expect(events[1].data).toMatchObject({ stage: "chat-reply", reason: "server_error" });
      expect(events[2].data.text).toMatch(/^Looking for: Comedy, similar to Toy Story\./);
      expect(events[3].data).toMatchObject({ parser: "llm", writer: "template", fallbacks: [{ stage: "chat-reply", reason: "server_error" }] });
    });

    it("labels the fallback in a JSON answer when the LLM parser fails", async () => {
      const app = appWith({ chat: agentWith([httpStatus(503)], { maxRetries: 0 }).agent });
      const { status, json } = await chat(app, { messages: [user("no horror")] });
      expect(status).toBe(200);
      expect(json).toMatchObject({ parser: "rules", writer: "template", fallbacks: [{ stage: "chat-parse", reason: "server_error" }, { stage: "chat-reply", reason: "server_error" }] });
    });

    // The hanging endpoint would hold each call for a minute, with the default 30 s per-attempt timeout: only the
    // stages' deadlines can answer sooner. Generous bounds; the tests' own 20 s timeout catches a deadline that
    // never fires where the clock stands still during a request (workerd).
    const hanging = { timeoutMs: 30_000, maxRetries: 0 };
    const timed = async (app: App, body: unknown) => {
      const started = Date.now();
      return { ...(await chat(app, body)), ms: Date.now() - started };
    };

    it("falls back to the rule parser when the LLM parser outlasts its deadline, and skips the reply call", { timeout: 20_000 }, async () => {
      const { agent, server } = agentWith([delayed(60_000)], { ...hanging, deadlineMs: 300 });
      const { status, json, ms } = await timed(appWith({ chat: agent }), { messages: [user("Comedies like Toy Story")] });
      expect(status).toBe(200);
      expect(json).toMatchObject({ parser: "rules", writer: "template", fallbacks: [{ stage: "chat-parse", reason: "timeout" }, { stage: "chat-reply", reason: "timeout" }] });
      expect(json.reply).toMatch(/^Looking for: Comedy, similar to Toy Story\./);
      expect(server.requests).toHaveLength(1);
      expect(ms).toBeLessThan(10_000);
    });

    it("falls back to the template reply when the reply outlasts its own stage's deadline", { timeout: 20_000 }, async () => {
      const parsed = reply({ liked_titles: ["Toy Story"], want_genres: ["Comedy"] });
      const app = appWith({ chat: agentWith([parsed, delayed(60_000)], { ...hanging, deadlineMs: 60_000, deadlines: { "chat-reply": 300 } }).agent });
      const { status, json, ms } = await timed(app, { messages: [user("Comedies like Toy Story")] });
      expect(status).toBe(200);
      expect(json).toMatchObject({ parser: "llm", writer: "template", fallbacks: [{ stage: "chat-reply", reason: "timeout" }] });
      expect(json.reply).toMatch(/^Looking for: Comedy, similar to Toy Story\./);
      expect(ms).toBeLessThan(10_000);
    });

    it("guards chat like other reads when a read key is set", async () => {
      const guarded = appWith({ readKey: "reader" });
      expect((await chat(guarded, { messages: [user("hi")] })).status).toBe(401);
      expect((await chat(guarded, { messages: [user("hi")] }, { authorization: "Bearer reader" })).status).toBe(200);
    });

    it("serves the chat page at / and documents the route", async () => {
      const page = await fx.app.request("/");
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      const html = await page.text();
      expect(html).toContain('fetch("/v1/chat"');
      expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
      const doc = (await (await fx.app.request("/openapi.json")).json()) as Json;
      expect(Object.keys(doc.paths)).toContain("/v1/chat");
    });
  });
}
