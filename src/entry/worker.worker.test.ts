import { describe, expect, it } from "vitest";
import { describeApiContract, WRITE_KEY } from "../http/api.contract.ts";
import { fixtureApp } from "../http/api.fixture.ts";
import { MemoryIndex } from "../index/memory.ts";
import { createWorkerApp } from "./worker.ts";
import { loadWorkerArtifact } from "./worker-artifact.ts";
import { exportedFiles, loadExport } from "./worker-fixture.ts";

// Runs inside workerd (vitest-pool-workers): the same contract as on Node, read-only (writes: worker-writes.worker.test.ts).
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
    const artifact = await loadExport(exportedFiles(fx.build));
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
