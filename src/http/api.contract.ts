import { beforeAll, describe, expect, it } from "vitest";
import { FIXTURE_USERS, type Fixture } from "./api.fixture.ts";

export const WRITE_KEY = "test-key";

export interface ApiContractOptions {
  /** Whether the deployment accepts writes (Node; Workers with a write log) or answers 501 (read-only). */
  writable: boolean;
  /** The model the fixture serves and how (defaults: als through the index). */
  served?: { model: string; scorer: "index" | "dense" };
}

type Json = Record<string, any>;

/** What the contract uses of a fixture: the app, and the writes its logs received. */
export type ContractFixture = Pick<Fixture, "app" | "catalogChanges" | "feedback">;

/**
 * The HTTP API's behaviour, run against every deployment (Node with a memory or LanceDB index, workerd):
 * the same requests must get the same answers. `make` builds a fresh fixture app with writeKey WRITE_KEY
 * and a 4 KiB body limit.
 */
export function describeApiContract(name: string, make: () => Promise<ContractFixture>, opts: ApiContractOptions): void {
  describe(`HTTP API contract: ${name}`, () => {
    let fx: ContractFixture;
    beforeAll(async () => {
      fx = await make();
    });
    const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
      const init: RequestInit = { method, headers: { ...headers } };
      if (body !== undefined) {
        init.body = typeof body === "string" ? body : JSON.stringify(body);
        (init.headers as Record<string, string>)["content-type"] = "application/json";
      }
      const res = await fx.app.request(path, init);
      const text = await res.text();
      let json: Json = {};
      try {
        json = JSON.parse(text);
      } catch {
        json = { raw: text };
      }
      return { status: res.status, json };
    };
    const recommend = (body: Json) => call("POST", "/v1/recommendations", body);
    const auth = { authorization: `Bearer ${WRITE_KEY}` };

    it("reports health: model, item count and index kind", async () => {
      const { status, json } = await call("GET", "/healthz");
      expect(status).toBe(200);
      expect(json).toMatchObject({ status: "ok", ...(opts.served ?? { model: "als", scorer: "index" }), items: 12, llm: "off" });
      expect(typeof json.index).toBe("string");
    });

    it("recommends a known user's missing cluster item first, never one they have", async () => {
      for (const [user, u] of Object.entries(FIXTURE_USERS).filter(([, u]) => u.lacks)) {
        const { status, json } = await recommend({ user_id: user, k: 3 });
        expect(status).toBe(200);
        expect(json.strategy).toBe("personalized");
        expect(json.items).toHaveLength(3);
        expect(json.items[0].id).toBe(u.lacks);
        expect(json.items.some((i: Json) => u.has.includes(i.id))).toBe(false);
        expect(json.items[0].reasons.length).toBeGreaterThan(0);
        expect(typeof json.took_ms).toBe("number");
      }
    });

    it("folds in the history of a user it never saw", async () => {
      const { json } = await recommend({ history: [{ item_id: "7" }, { item_id: "8" }, { item_id: "10" }], k: 2 });
      expect(json.strategy).toBe("fold-in");
      expect(json.items.map((i: Json) => i.id).every((id: string) => ["9", "11"].includes(id))).toBe(true);
    });

    it("answers a user with no history with popular items, labelled", async () => {
      const { json } = await recommend({ user_id: "stranger", k: 3 });
      expect(json.strategy).toBe("popular");
      expect(json.items).toHaveLength(3);
      expect(json.items.every((i: Json) => i.reasons.length === 0)).toBe(true);
    });

    it("pushes filters into retrieval: k items whenever k match, fewer only when fewer match", async () => {
      const romance = await recommend({ user_id: "a1", k: 4, filters: { genres_any: ["Romance"], year_min: 1990 } });
      expect(romance.json.items.map((i: Json) => i.id).sort()).toEqual(["10", "7", "8", "9"]);
      const few = await recommend({ user_id: "a1", k: 10, filters: { genres_any: ["Romance"], year_min: 1995, exclude_ids: ["8"] } });
      expect(few.json.items.map((i: Json) => i.id)).toEqual(["7"]);
      const none = await recommend({ user_id: "a1", k: 5, filters: { genres_none: ["Action", "Comedy", "Horror"] } });
      expect(none.json.items).toEqual([]);
    });

    it("says so when rerank: llm is asked for and no LLM is configured, keeping retrieval order", async () => {
      const plain = await recommend({ user_id: "a2", k: 5 });
      expect(plain.json.ranker).toEqual({ name: "retrieval" });
      const asked = await recommend({ user_id: "a2", k: 5, rerank: "llm" });
      expect(asked.status).toBe(200);
      expect(asked.json.ranker).toEqual({ name: "retrieval", fallback: "disabled" });
      expect(asked.json.items.map((i: Json) => i.id)).toEqual(plain.json.items.map((i: Json) => i.id));
      expect(asked.json.usage.calls).toBe(0);
      expect((await recommend({ rerank: "gpt" })).status).toBe(400);
    });

    it("keeps seen items when exclude_seen is false", async () => {
      const { json } = await recommend({ user_id: "a1", k: 12, exclude_seen: false });
      expect(json.items).toHaveLength(12);
    });

    it("diversifies with MMR without losing or repeating items", async () => {
      const { json } = await recommend({ user_id: "k1", k: 6, diversity: 0.9 });
      const ids = json.items.map((i: Json) => i.id);
      expect(new Set(ids).size).toBe(6);
    });

    it("rejects bad requests with a 4xx and a message a person can act on", async () => {
      const cases: Array<[unknown, RegExp]> = [
        ["{not json", /malformed|json/i],
        [{ k: 0 }, /^k: /],
        [{ k: 101 }, /^k: /],
        [{ k: "ten" }, /^k: /],
        [{ user_id: 5 }, /^user_id: /],
        [{ history: [{ weight: 1 }] }, /^history\.0\.item_id: /],
        [{ filters: { year_min: 2000, year_max: 1990 } }, /year_min must not exceed year_max/],
        [{ diversity: 2 }, /^diversity: /],
        [{ surprise: true }, /surprise/],
      ];
      for (const [body, message] of cases) {
        const { status, json } = await recommend(body as Json);
        expect(status, JSON.stringify(body)).toBe(400);
        expect(json.message).toMatch(message);
        expect(typeof json.error).toBe("string");
      }
      const big = await recommend({ history: Array.from({ length: 300 }, (_, i) => ({ item_id: `item-${i}` })) });
      expect(big.status).toBe(413);
      expect(big.json.error).toBe("payload_too_large");
      const route = await call("GET", "/v1/nothing");
      expect(route.status).toBe(404);
      expect(route.json.error).toBe("not_found");
    });

    it("reads items, searches titles and finds similar items", async () => {
      expect((await call("GET", "/v1/items/4")).json).toMatchObject({ id: "4", title: "Terminator 2", year: 1991, genres: ["Action", "Sci-Fi"] });
      const missing = await call("GET", "/v1/items/404");
      expect(missing.status).toBe(404);
      expect(missing.json.message).toMatch(/item "404" does not exist/);
      const search = await call("GET", "/v1/items?q=terminator&k=5");
      expect(search.json.items.map((i: Json) => i.id).sort()).toEqual(["3", "4"]);
      expect((await call("GET", "/v1/items?q=")).status).toBe(400);
      const similar = await call("GET", "/v1/items/3/similar?k=3");
      expect(similar.json.items).toHaveLength(3);
      expect(similar.json.items.map((i: Json) => i.id)).not.toContain("3");
      expect(similar.json.items.filter((i: Json) => ["1", "2", "4", "5", "6"].includes(i.id)).length).toBe(3);
      expect((await call("GET", "/v1/items/3/similar?k=1000")).status).toBe(400);
      expect((await call("GET", "/v1/items/404/similar")).status).toBe(404);
    });

    it("publishes an OpenAPI 3.1 document and a docs page", async () => {
      const { json } = await call("GET", "/openapi.json");
      expect(json.openapi).toBe("3.1.0");
      expect(Object.keys(json.paths)).toEqual(expect.arrayContaining(["/healthz", "/v1/recommendations", "/v1/items/{id}", "/v1/feedback"]));
      const page = await fx.app.request("/docs");
      expect(await page.text()).toContain("/v1/recommendations");
    });

    it("refuses writes without the bearer key, saying how to send it", async () => {
      const { status, json } = await call("POST", "/v1/items", { title: "X" });
      expect(status).toBe(401);
      expect(json.message).toMatch(/Authorization: Bearer/);
      expect((await call("POST", "/v1/feedback", { user_id: "a1", item_id: "4" }, { authorization: "Bearer wrong" })).status).toBe(401);
    });

    if (opts.writable) {
      it("onboards an item from its content and recommends it at once; edits and deletes it", async () => {
        const created = await call("POST", "/v1/items", { id: "new-1", title: "Terminator Returns", description: "Robots from the future", genres: ["Action", "Sci-Fi"], year: 1993 }, auth);
        expect(created.status).toBe(201);
        expect((await call("GET", "/v1/items/new-1")).json.title).toBe("Terminator Returns");
        expect((await call("POST", "/v1/items", { id: "new-1", title: "Again" }, auth)).status).toBe(409);
        // Of the two 1993 films, the action fan gets the onboarded action film first: its content placed it.
        const action = await recommend({ user_id: "a1", k: 3, filters: { year_min: 1993, year_max: 1993 } });
        expect(action.json.items.map((i: Json) => i.id)).toEqual(["new-1", "10"]);
        const romance = await recommend({ history: [{ item_id: "7" }, { item_id: "8" }], k: 3, filters: { year_min: 1993, year_max: 1993 } });
        expect(romance.json.items.map((i: Json) => i.id)).toEqual(["10", "new-1"]);
        expect((await call("GET", "/v1/items?q=returns")).json.items[0].id).toBe("new-1");
        const updated = await call("PUT", "/v1/items/new-1", { title: "Terminator Returns (Director's Cut)", genres: ["Action"] }, auth);
        expect(updated.status).toBe(200);
        expect((await call("GET", "/v1/items/new-1")).json.genres).toEqual(["Action"]);
        expect((await call("PUT", "/v1/items/none", { title: "x" }, auth)).status).toBe(404);
        expect((await call("DELETE", "/v1/items/new-1", undefined, auth)).status).toBe(200);
        expect((await call("GET", "/v1/items/new-1")).status).toBe(404);
        expect((await recommend({ user_id: "a1", k: 12 })).json.items.map((i: Json) => i.id)).not.toContain("new-1");
        expect(fx.catalogChanges.map((c) => c.op)).toEqual(["put", "put", "delete"]);
      });

      it("keeps an onboarded item's attributes and refuses bad ones with a 400 naming the attribute", async () => {
        const attributes = { director: "Pete Docter", language: "en", runtime: 96, animated: true, cast: ["Ed Asner", "Jordan Nagai"] };
        const created = await call("POST", "/v1/items", { id: "attr-1", title: "Balloon House", genres: ["Animation"], year: 2009, attributes }, auth);
        expect(created.status).toBe(201);
        expect(created.json.attributes).toEqual(attributes);
        expect((await call("GET", "/v1/items/attr-1")).json.attributes).toEqual(attributes);
        expect((await call("GET", "/v1/items?q=balloon")).json.items[0]).toMatchObject({ id: "attr-1", attributes });
        const edited = await call("PUT", "/v1/items/attr-1", { title: "Balloon House", genres: ["Animation"], attributes: { runtime: 101 } }, auth);
        expect(edited.json.attributes).toEqual({ runtime: 101 });
        expect((await call("GET", "/v1/items/attr-1")).json.attributes).toEqual({ runtime: 101 });
        const cases: Array<[unknown, RegExp]> = [
          [{ runtime: "96", nested: { a: 1 } }, /^attributes\.nested: must be a string, a number, a boolean or a list of strings, got object/],
          [{ cast: ["Ed Asner", 3] }, /^attributes\.cast\.1: a list holds strings only, got number/],
          [{ "bad name": "x" }, /attribute name "bad name"/],
          [{ director: "  " }, /^attributes\.director: a text value must have/],
          [["director"], /^attributes: /],
        ];
        for (const [bad, message] of cases) {
          const { status, json } = await call("POST", "/v1/items", { title: "Bad", attributes: bad }, auth);
          expect(status, JSON.stringify(bad)).toBe(400);
          expect(json.message).toMatch(message);
        }
        expect((await call("DELETE", "/v1/items/attr-1", undefined, auth)).status).toBe(200);
      });

      it("onboards an item from only a title and a description, deriving its genres without an LLM", async () => {
        const created = await call("POST", "/v1/items", { id: "desc-1", title: "Paris Hearts", description: "A romantic comedy released in 2001: two strangers fall in love in Paris." }, auth);
        expect(created.status).toBe(201);
        expect(created.json.metadata).toMatchObject({ source: "rules", fallback: "disabled" });
        expect(created.json.genres).toEqual(expect.arrayContaining(["Comedy", "Romance"]));
        expect(created.json.year).toBe(2001);
        const romance = await recommend({ history: [{ item_id: "7" }, { item_id: "9" }], k: 12 });
        const action = await recommend({ history: [{ item_id: "3" }, { item_id: "4" }], k: 12 });
        const rank = (json: Json) => json.items.findIndex((i: Json) => i.id === "desc-1");
        expect(rank(romance.json)).toBeGreaterThanOrEqual(0);
        expect(rank(romance.json)).toBeLessThan(rank(action.json));
        expect((await call("DELETE", "/v1/items/desc-1", undefined, auth)).status).toBe(200);
      });

      it("reflects feedback in the very next recommendation", async () => {
        const before = await recommend({ user_id: "a1", k: 1 });
        expect(before.json.items[0].id).toBe("4");
        const fed = await call("POST", "/v1/feedback", { user_id: "a1", item_id: "4", weight: 1 }, auth);
        expect(fed.status).toBe(201);
        const after = await recommend({ user_id: "a1", k: 12 });
        expect(after.json.items.map((i: Json) => i.id)).not.toContain("4");
        expect((await call("POST", "/v1/feedback", { user_id: "a1", item_id: "nope" }, auth)).status).toBe(404);
        const newUser = await call("POST", "/v1/feedback", { user_id: "fresh", item_id: "9" }, auth);
        expect(newUser.status).toBe(201);
        expect((await recommend({ user_id: "fresh", k: 2 })).json.strategy).toBe("personalized");
        expect(fx.feedback.length).toBe(2);
      });
    } else {
      it("answers writes with 501 and says where to send them", async () => {
        const { status, json } = await call("POST", "/v1/items", { title: "X" }, auth);
        expect(status).toBe(501);
        expect(json.message).toMatch(/read-only/);
        expect((await call("POST", "/v1/feedback", { user_id: "a1", item_id: "4" }, auth)).status).toBe(501);
      });
    }
  });
}
