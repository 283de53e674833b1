import type { Item } from "../core/types.ts";
import type { CatalogChange } from "../agent/onboarding.ts";
import { DataFormatError } from "../core/errors.ts";
import { ContentMap, type ContentMapJson } from "../models/content-map.ts";
import { decodeModel, type SavedModel } from "../models/persist.ts";

/** The files `recagent export` writes and the Worker reads, by name. */
export const WORKER_FILES = {
  header: "model.json",
  body: "model.bin",
  items: "items.json",
  contentMap: "content-map.json",
  catalog: "catalog.json",
} as const;

export interface WorkerArtifact {
  saved: SavedModel;
  items: Item[];
  contentMap: ContentMap;
  catalogChanges: CatalogChange[];
}

/** Reads an exported artifact through any fetch-like reader (the ASSETS binding in production, a map in tests). */
export async function loadWorkerArtifact(read: (name: string) => Promise<Response>): Promise<WorkerArtifact> {
  const get = async (name: string) => {
    const res = await read(name);
    if (!res.ok) throw new DataFormatError(name, undefined, `missing from the Worker's assets (HTTP ${res.status}); run npm run build:worker`);
    return res;
  };
  const json = async <T>(name: string): Promise<T> => (await get(name)).json() as Promise<T>;
  const [header, body, items, cm, catalogChanges] = await Promise.all([
    get(WORKER_FILES.header).then((r) => r.text()),
    get(WORKER_FILES.body).then((r) => r.arrayBuffer()),
    json<Item[]>(WORKER_FILES.items),
    json<ContentMapJson>(WORKER_FILES.contentMap),
    json<CatalogChange[]>(WORKER_FILES.catalog),
  ]);
  return {
    saved: decodeModel(header, new Uint8Array(body), WORKER_FILES.header),
    items,
    contentMap: ContentMap.fromJSON(cm),
    catalogChanges,
  };
}
