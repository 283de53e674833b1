import { describe, expect, it } from "vitest";
import { describeApiContract, WRITE_KEY } from "../http/api.contract.ts";
import { fixtureApp } from "../http/api.fixture.ts";
import { MemoryIndex } from "../index/memory.ts";
import { encodeModel } from "../models/persist.ts";
import { createWorkerApp } from "./worker.ts";
import { loadWorkerArtifact, WORKER_FILES } from "./worker-artifact.ts";

// Runs inside workerd (vitest-pool-workers): the same contract as on Node, read-only.
describeApiContract(
  "workerd, memory index",
  () => fixtureApp({ writable: false, writeKey: WRITE_KEY, maxBodyBytes: 4096, makeIndex: async (d) => new MemoryIndex(d) }),
  { writable: false },
);

describeApiContract(
  "workerd, EASE served by the dense scorer",
  () => fixtureApp({ writable: false, writeKey: WRITE_KEY, maxBodyBytes: 4096, model: "ease", makeIndex: async (d) => new MemoryIndex(d) }),
  { writable: false, served: { model: "ease", scorer: "dense" } },
);

describe("Worker artifact", () => {
  it.each(["als", "ease"] as const)("serves the same recommendations from an exported artifact as the app it was exported from (%s)", async (model) => {
    const fx = await fixtureApp({ writable: true, model, makeIndex: async (d) => new MemoryIndex(d) });
    const { header, body } = encodeModel(fx.build.saved);
    const files: Record<string, string | Uint8Array> = {
      [WORKER_FILES.header]: header,
      [WORKER_FILES.body]: body,
      [WORKER_FILES.items]: JSON.stringify(fx.build.items),
      [WORKER_FILES.contentMap]: JSON.stringify(fx.build.contentMap),
      [WORKER_FILES.catalog]: JSON.stringify([]),
    };
    if (fx.build.companion) {
      const companion = encodeModel(fx.build.companion);
      files[WORKER_FILES.companionHeader] = companion.header;
      files[WORKER_FILES.companionBody] = companion.body;
    }
    const artifact = await loadWorkerArtifact(async (name) => (files[name] ? new Response(files[name]) : new Response("", { status: 404 })));
    const worker = await createWorkerApp(artifact, {});
    const ask = (app: { request: (p: string, i: RequestInit) => Response | Promise<Response> }) =>
      Promise.resolve(app.request("/v1/recommendations", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ user_id: "a2", k: 5 }) })).then((r) => r.json());
    const [fromWorker, fromApp] = await Promise.all([ask(worker), ask(fx.app)]);
    expect((fromWorker as { items: unknown[] }).items).toEqual((fromApp as { items: unknown[] }).items);
  });

  it("says which file is missing when the assets are incomplete", async () => {
    await expect(loadWorkerArtifact(async () => new Response("", { status: 404 }))).rejects.toThrow(/missing from the Worker's assets/);
  });
});
