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
  /** Only for a model without item vectors (EASE, kNN): the factor model whose item space it is served in. */
  companionHeader: "companion.json",
  companionBody: "companion.bin",
} as const;

export interface WorkerArtifact {
  saved: SavedModel;
  companion?: SavedModel;
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
  const companion = await readCompanion(read);
  return {
    saved: decodeModel(header, new Uint8Array(body), WORKER_FILES.header),
    ...(companion ? { companion } : {}),
    items,
    contentMap: ContentMap.fromJSON(cm),
    catalogChanges,
  };
}

/** The companion model when the export has one (a 404 means none). */
async function readCompanion(read: (name: string) => Promise<Response>): Promise<SavedModel | undefined> {
  const header = await read(WORKER_FILES.companionHeader);
  if (header.status === 404) return undefined;
  const body = await read(WORKER_FILES.companionBody);
  if (!header.ok || !body.ok) throw new DataFormatError(WORKER_FILES.companionHeader, undefined, `unreadable from the Worker's assets (HTTP ${header.ok ? body.status : header.status}); run npm run build:worker`);
  return decodeModel(await header.text(), new Uint8Array(await body.arrayBuffer()), WORKER_FILES.companionHeader);
}
