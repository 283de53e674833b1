import fc from "fast-check";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { LanceDbIndex } from "../index/lancedb.node.ts";
import { MemoryIndex } from "../index/memory.ts";
import type { VectorIndex } from "../index/types.ts";
import { WRITE_KEY } from "./api.contract.ts";
import { type Fixture, fixtureApp } from "./api.fixture.ts";

const indexes: Array<[string, (d: number) => Promise<VectorIndex>, number]> = [
  ["memory index", async (d) => new MemoryIndex(d), 150],
  // LanceDB gets ids and genres inside SQL where clauses: the quoting is what is under test here.
  ["LanceDB index", (d) => LanceDbIndex.open(mkdtempSync(join(tmpdir(), "prop-lance-")), { table: "items", dimension: d }), 40],
];

/** No client input may produce a 5xx: random bodies, ids and query strings against every endpoint. */
describe.each(indexes)("HTTP API under arbitrary input, %s", (_name, makeIndex, numRuns) => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await fixtureApp({ writable: true, writeKey: WRITE_KEY, maxBodyBytes: 4096, makeIndex });
  });

  const headers = { "content-type": "application/json", authorization: `Bearer ${WRITE_KEY}` };
  const body = fc.oneof(
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.string(),
    fc.record(
      {
        user_id: fc.oneof(fc.string(), fc.integer()),
        item_id: fc.oneof(fc.string(), fc.constantFrom("1", "4", "12")),
        title: fc.string(),
        k: fc.oneof(fc.integer(), fc.double(), fc.string()),
        weight: fc.oneof(fc.double(), fc.integer()),
        history: fc.array(fc.record({ item_id: fc.oneof(fc.string(), fc.constantFrom("1", "7")), weight: fc.oneof(fc.double(), fc.integer()) }, { requiredKeys: [] })),
        filters: fc.record({ genres_any: fc.array(fc.string()), year_min: fc.integer(), year_max: fc.integer(), exclude_ids: fc.array(fc.string()) }, { requiredKeys: [] }),
        diversity: fc.double(),
        genres: fc.array(fc.string()),
        year: fc.integer(),
      },
      { requiredKeys: [] },
    ).map((v) => JSON.stringify(v)),
  );
  const segment = fc.oneof(fc.constantFrom("1", "4", "12", "%20", "%00", "..", "a%2Fb"), fc.string().map(encodeURIComponent));

  const cases: Array<[string, fc.Arbitrary<{ method: string; path: string; body?: string }>]> = [
    ["POST /v1/recommendations", body.map((b) => ({ method: "POST", path: "/v1/recommendations", body: b }))],
    ["POST /v1/feedback", body.map((b) => ({ method: "POST", path: "/v1/feedback", body: b }))],
    ["POST /v1/items", body.map((b) => ({ method: "POST", path: "/v1/items", body: b }))],
    ["PUT /v1/items/:id", fc.tuple(segment, body).map(([id, b]) => ({ method: "PUT", path: `/v1/items/${id}`, body: b }))],
    ["DELETE /v1/items/:id", segment.map((id) => ({ method: "DELETE", path: `/v1/items/${id}` }))],
    ["GET /v1/items/:id", segment.map((id) => ({ method: "GET", path: `/v1/items/${id}` }))],
    ["GET /v1/items/:id/similar", fc.tuple(segment, fc.string()).map(([id, k]) => ({ method: "GET", path: `/v1/items/${id}/similar?k=${encodeURIComponent(k)}` }))],
    ["GET /v1/items?q=", fc.tuple(fc.string(), fc.string()).map(([q, k]) => ({ method: "GET", path: `/v1/items?q=${encodeURIComponent(q)}&k=${encodeURIComponent(k)}` }))],
  ];

  for (const [name, arbitrary] of cases) {
    it(`${name} never answers 5xx`, async () => {
      await fc.assert(
        fc.asyncProperty(arbitrary, async (req) => {
          const res = await fx.app.request(req.path, { method: req.method, headers, body: req.body });
          const json = (await res.json()) as { error?: string; message?: string };
          expect(res.status, `${req.method} ${req.path} ${req.body ?? ""} -> ${JSON.stringify(json)}`).toBeLessThan(500);
          if (res.status >= 400) expect(typeof json.message).toBe("string");
        }),
        { numRuns },
      );
    });
  }
});
