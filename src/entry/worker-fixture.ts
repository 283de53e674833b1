// Test support for the workerd tests: the HTTP fixture's build as a Worker export, and Worker apps over it.
import { env } from "cloudflare:workers";
import type { DurableObjectNamespace } from "cloudflare:workers";
import type { FeedbackEvent } from "../agent/feedback.ts";
import type { CatalogChange } from "../agent/onboarding.ts";
import { type ContractFixture, WRITE_KEY } from "../http/api.contract.ts";
import { type Fixture, type FixtureModel, fixtureApp } from "../http/api.fixture.ts";
import { MemoryIndex } from "../index/memory.ts";
import { encodeModel } from "../models/persist.ts";
import { createWorkerApp, type WorkerSettings } from "./worker.ts";
import { loadWorkerArtifact, WORKER_FILES, type WorkerArtifact } from "./worker-artifact.ts";
import type { WriteLogRpc } from "./worker-write-log.ts";

/** The files `recagent export` would write for a fixture build. */
export function exportedFiles(build: Fixture["build"]): Record<string, string | Uint8Array> {
  const { header, body } = encodeModel(build.saved);
  const files: Record<string, string | Uint8Array> = {
    [WORKER_FILES.header]: header,
    [WORKER_FILES.body]: body,
    [WORKER_FILES.items]: JSON.stringify(build.items),
    [WORKER_FILES.contentMap]: JSON.stringify(build.contentMap),
    [WORKER_FILES.catalog]: JSON.stringify([]),
  };
  if (build.companion) {
    const companion = encodeModel(build.companion);
    files[WORKER_FILES.companionHeader] = companion.header;
    files[WORKER_FILES.companionBody] = companion.body;
  }
  return files;
}

/** Reads an export the way the Worker reads its ASSETS binding. */
export function loadExport(files: Record<string, string | Uint8Array>): Promise<WorkerArtifact> {
  return loadWorkerArtifact(async (name) => (files[name] ? new Response(files[name]) : new Response("", { status: 404 })));
}

/** A fresh write log object in the test's WRITE_LOG namespace (vitest.config.ts); `name` reopens one. */
export function writeLogNamed(name: string): WriteLogRpc {
  const namespace = env.WRITE_LOG as DurableObjectNamespace<WriteLogRpc>;
  return namespace.get(namespace.idFromName(name));
}

/** One Worker isolate's app over the fixture export and a write log, writes keyed with WRITE_KEY. */
export function workerApp(artifact: WorkerArtifact, writeLog: (() => WriteLogRpc) | undefined, settings: WorkerSettings = { RECAGENT_API_KEY: WRITE_KEY }) {
  return createWorkerApp(artifact, settings, { writeLog, maxBodyBytes: 4096 });
}

/**
 * The API contract's fixture over a Worker app with writes: the writes the Durable Object acknowledged are
 * recorded as the contract expects (catalogChanges, feedback).
 */
export async function writableWorkerFixture(model: FixtureModel): Promise<ContractFixture> {
  const { build } = await fixtureApp({ writable: false, model, makeIndex: async (d) => new MemoryIndex(d) });
  const log = writeLogNamed(`contract-${model}-${crypto.randomUUID()}`);
  const catalogChanges: CatalogChange[] = [];
  const feedback: FeedbackEvent[] = [];
  const recording: WriteLogRpc = {
    async append(write) {
      const committed = await log.append(write);
      if (write.kind === "feedback") feedback.push(write.event);
      else catalogChanges.push(write.change);
      return committed;
    },
    since: (after, limit) => log.since(after, limit),
  };
  const app = await workerApp(await loadExport(exportedFiles(build)), () => recording);
  return { app, catalogChanges, feedback };
}
