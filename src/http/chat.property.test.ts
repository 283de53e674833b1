import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { MemoryIndex } from "../index/memory.ts";
import { WRITE_KEY } from "./api.contract.ts";
import { type Fixture, fixtureApp } from "./api.fixture.ts";
import { parseEvents } from "./chat.suite.ts";

/** Words the rule parser acts on, so random messages reach titles, negations, years and counts, not only noise. */
const CHAT_WORDS = ["like", "loved", "hated", "not", "no", "but", "anything", "and", ",", ".", "Alien", "Toy Story", "Heat (1995)", "The Terminator", "comedy", "horror", "sci-fi", "from the", "90s", "1990", "between", "after", "2000", "show me", "5", "500", "any", "start over", "</message>", "{{state}}", "(", ")"];

/** No chat input may produce a 5xx, a state the server then refuses, or a stream that does not end with done. */
describe("chat API under arbitrary input", () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await fixtureApp({ writable: false, writeKey: WRITE_KEY, makeIndex: async (d) => new MemoryIndex(d) });
  });

  const content = fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.array(fc.constantFrom(...CHAT_WORDS), { maxLength: 12 }).map((ws) => ws.join(" ")));
  const message = fc.record({ role: fc.oneof(fc.constantFrom("user", "assistant"), fc.string()), content: fc.oneof(content, fc.integer()) }, { requiredKeys: [] });
  const body = fc.oneof(
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.record({ messages: fc.oneof(fc.array(message, { maxLength: 4 }), fc.string()), state: fc.oneof(fc.string(), fc.constant("v1.e30")), k: fc.oneof(fc.integer(), fc.double()) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
    fc.tuple(fc.array(content, { minLength: 1, maxLength: 3 }), fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined })).map(([texts, k]) =>
      JSON.stringify({ messages: texts.map((t) => ({ role: "user", content: t })), k }),
    ),
  );
  const post = (payload: string, accept = "application/json") =>
    fx.app.request("/v1/chat", { method: "POST", headers: { "content-type": "application/json", accept }, body: payload });

  it("JSON turns never answer 5xx, and the state they return is accepted back", async () => {
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const res = await post(payload);
        const json = (await res.json()) as { message?: string; state?: string };
        expect(res.status, `${payload} -> ${JSON.stringify(json)}`).toBeLessThan(500);
        if (res.status >= 400) expect(typeof json.message).toBe("string");
        if (res.status === 200) {
          const next = await post(JSON.stringify({ messages: [{ role: "user", content: "more" }], state: json.state }));
          expect(next.status, `state from ${payload}`).toBe(200);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("streamed turns never answer 5xx and always end with done", async () => {
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const res = await post(payload, "text/event-stream");
        expect(res.status, payload).toBeLessThan(500);
        if (res.status !== 200) return;
        const events = parseEvents(await res.text());
        expect(events.map((e) => e.event), payload).toEqual(["recommendations", "delta", "state", "done"]);
      }),
      { numRuns: 100 },
    );
  });
});
