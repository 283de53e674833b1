import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LanceDbIndex } from "../index/lancedb.node.ts";
import { MemoryIndex } from "../index/memory.ts";
import { describeApiContract, WRITE_KEY } from "./api.contract.ts";
import { fixtureApp } from "./api.fixture.ts";

const settings = { writeKey: WRITE_KEY, maxBodyBytes: 4096 };

describeApiContract("Node, memory index", () => fixtureApp({ ...settings, writable: true, makeIndex: async (d) => new MemoryIndex(d) }), { writable: true });
describeApiContract(
  "Node, LanceDB index",
  () => fixtureApp({ ...settings, writable: true, makeIndex: (d) => LanceDbIndex.open(mkdtempSync(join(tmpdir(), "api-lance-")), { table: "items", dimension: d }) }),
  { writable: true },
);
describeApiContract("Node, EASE served by the dense scorer", () => fixtureApp({ ...settings, writable: true, model: "ease", makeIndex: async (d) => new MemoryIndex(d) }), { writable: true, served: { model: "ease", scorer: "dense" } });
describeApiContract("Node, read-only deployment", () => fixtureApp({ ...settings, writable: false, makeIndex: async (d) => new MemoryIndex(d) }), { writable: false });
