/**
 * Published model versions on an ObjectStore. A version is a finished build (artifacts.node.ts: the model
 * directory, the companion factor model if any, the content map, the catalog's unrated items onboarded at build
 * time, the tuning report, the manifest) copied file by file under `models/<version>/`, then
 * `models/<version>/published.json` listing every file with its size and SHA-256, and last the pointer
 * `models/current.json` naming the version. A reader follows the pointer, so it never sees a version before all
 * of it is there, and it checks every file against the list, so a damaged or truncated one is refused.
 *
 * Each version has its own LanceDB items table on the store, `items-<version>` in the database at lanceDbLocation
 * (each version is its own vector space): the publisher builds it from the version's vectors before the pointer is
 * written, so a replica opens it instead of building one; replicas keep it current with the catalog writes
 * (store-replica.node.ts).
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { z } from "zod";
import { restoreServedModels } from "../agent/assemble.ts";
import { DataFormatError, InputError } from "../core/errors.ts";
import { LanceDbIndex } from "../index/lancedb.node.ts";
import type { IndexedItem } from "../index/types.ts";
import type { ObjectStore } from "../store/object-store.ts";
import { lanceDbLocation } from "../store/store-location.node.ts";
import { type Artifacts, LANCEDB_DIR, MANIFEST, openBuild } from "./artifacts.node.ts";

export const CURRENT_KEY = "models/current.json";
const PUBLISHED = "published.json";
const versionPrefix = (version: string) => `models/${version}/`;

/** Files of a build directory that belong to no version: the replica's own LanceDB table, logs, caches, graphs. */
const LOCAL_ONLY = [LANCEDB_DIR, "feedback.jsonl", "llm-cache"];

const VersionName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, "a version name is letters, digits, '.', '_' and '-'");

const CurrentPointer = z.object({ version: VersionName, publishedAt: z.string(), chosen: z.string() });
export type CurrentPointer = z.infer<typeof CurrentPointer>;

const PublishedList = z.object({
  version: VersionName,
  files: z.array(z.object({ path: z.string().regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/), bytes: z.number().int().nonnegative(), sha256: z.string().length(64) })),
});

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** A new version's name: when it was published (so names sort by time), and a random tail (so two never clash). */
export function newVersionName(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}-${randomBytes(3).toString("hex")}`;
}

/** The version the store names as current, or undefined for a store nobody has published to. */
export async function readCurrent(store: ObjectStore): Promise<CurrentPointer | undefined> {
  const bytes = await store.get(CURRENT_KEY);
  if (!bytes) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text(bytes));
  } catch (e) {
    throw new DataFormatError(`${store.url}/${CURRENT_KEY}`, undefined, `not JSON (${(e as Error).message})`);
  }
  const parsed = CurrentPointer.safeParse(json);
  if (!parsed.success) throw new DataFormatError(`${store.url}/${CURRENT_KEY}`, undefined, `not a current-version pointer: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

export interface PublishOptions {
  /**
   * Make the version current only if no version is (putIfAbsent on the pointer): how replicas starting together
   * on an empty store agree on one. The loser's version is deleted and the winner's pointer returned.
   */
  onlyIfNone?: boolean;
  version?: string;
  log?: (line: string) => void;
}

/** Writes a build into a temporary folder (`write`), publishes it as the store's current version, and removes the folder. */
export async function publishNewBuild(store: ObjectStore, write: (dir: string) => Promise<unknown>, log: (line: string) => void): Promise<CurrentPointer> {
  const dir = mkdtempSync(join(tmpdir(), "recagent-publish-"));
  try {
    await write(dir);
    return await publishBuild(store, dir, { log });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Uploads the finished build in `dir` as a new version and makes it current; returns the pointer now current. */
export async function publishBuild(store: ObjectStore, dir: string, opts: PublishOptions = {}): Promise<CurrentPointer> {
  const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), "utf8")) as { chosen: string };
  const version = VersionName.parse(opts.version ?? newVersionName());
  const files = buildFiles(dir);
  const listed = await Promise.all(
    files.map(async (path) => {
      const bytes = new Uint8Array(readFileSync(join(dir, ...path.split("/"))));
      await store.put(versionPrefix(version) + path, bytes);
      return { path, bytes: bytes.byteLength, sha256: sha256(bytes) };
    }),
  );
  await store.put(versionPrefix(version) + PUBLISHED, JSON.stringify({ version, files: listed }));
  const artifacts = openBuild(dir);
  if (!artifacts) throw new InputError(`${dir} has no manifest: only a finished build can be published`);
  const { uri, storageOptions } = lanceDbLocation(store);
  await LanceDbIndex.build(uri, versionRows(artifacts), { table: versionTable(version), dimension: artifacts.manifest.factors, storageOptions });
  const pointer: CurrentPointer = { version, publishedAt: new Date().toISOString(), chosen: manifest.chosen };
  const body = JSON.stringify(pointer);
  if (!opts.onlyIfNone) {
    await store.put(CURRENT_KEY, body);
    opts.log?.(`published version ${version} (${manifest.chosen}) to ${store.url}`);
    return pointer;
  }
  if (await store.putIfAbsent(CURRENT_KEY, body)) {
    opts.log?.(`published version ${version} (${manifest.chosen}) to ${store.url}`);
    return pointer;
  }
  const winner = await readCurrent(store);
  if (!winner) throw new DataFormatError(`${store.url}/${CURRENT_KEY}`, undefined, "the pointer existed a moment ago and is gone");
  opts.log?.(`another replica published version ${winner.version} first; dropping ${version} and serving that one`);
  await deleteVersion(store, version);
  return winner;
}

/** Every object of a version, the list first so a reader never trusts a half-deleted one, and its table. */
export async function deleteVersion(store: ObjectStore, version: string): Promise<void> {
  const prefix = versionPrefix(VersionName.parse(version));
  await store.delete(prefix + PUBLISHED);
  for (const key of await store.list(prefix)) await store.delete(key);
  const { uri, storageOptions } = lanceDbLocation(store);
  await LanceDbIndex.drop(uri, versionTable(version), storageOptions);
}

/** The version's items table in the store's LanceDB database. */
export const versionTable = (version: string) => `items-${VersionName.parse(version)}`;

/**
 * The version's table on the store, opened to see other replicas' commits within a second. A version published
 * before versions had tables gets one here from its rows: merge-inserts by the id the table keys on, so replicas
 * doing it at once leave one row per id.
 */
export async function openVersionTable(store: ObjectStore, version: string, artifacts: Artifacts): Promise<LanceDbIndex> {
  const { uri, storageOptions } = lanceDbLocation(store);
  const table = await LanceDbIndex.open(uri, { table: versionTable(version), dimension: artifacts.manifest.factors, storageOptions, readConsistencyInterval: 1 });
  if ((await table.count()) === 0) await table.upsert(versionRows(artifacts));
  return table;
}

/** The rows a version's table starts from: its trained items with their vectors in its space, and the items onboarded at build time. */
export function versionRows(artifacts: Artifacts): IndexedItem[] {
  const { space } = restoreServedModels(artifacts.saved, artifacts.companion);
  const vectors = space.itemVectors();
  const f = space.factors;
  const rows = new Map<string, IndexedItem>(artifacts.items.map((item, r) => [item.id, { ...item, vector: vectors.slice(r * f, (r + 1) * f) }]));
  for (const change of artifacts.catalogLog.replay(() => {})) {
    if (change.op === "delete") rows.delete(change.id);
    else if (change.vector) rows.set(change.item.id, { ...change.item, vector: Float32Array.from(change.vector) });
  }
  return [...rows.values()];
}

/**
 * The version as a local build directory under `cacheRoot` (`cacheRoot/<version>`), downloaded and checked
 * against its list unless an earlier download is there (a download is renamed into place only once every file
 * checked out). A version without a list, a missing file, or one whose size or SHA-256 differs is a DataFormatError.
 */
export async function fetchVersion(store: ObjectStore, version: string, cacheRoot: string): Promise<string> {
  const dir = join(cacheRoot, VersionName.parse(version));
  if (existsSync(join(dir, MANIFEST))) return dir;
  const where = `${store.url}/${versionPrefix(version)}`;
  const listBytes = await store.get(versionPrefix(version) + PUBLISHED);
  if (!listBytes) throw new DataFormatError(`${where}${PUBLISHED}`, undefined, "missing: the version is half-published or was deleted");
  let list;
  try {
    list = PublishedList.parse(JSON.parse(text(listBytes)));
  } catch (e) {
    throw new DataFormatError(`${where}${PUBLISHED}`, undefined, `not a version's file list (${(e as Error).message.slice(0, 200)})`);
  }
  if (list.version !== version) throw new DataFormatError(`${where}${PUBLISHED}`, undefined, `lists version ${list.version}, not ${version}`);
  if (!list.files.some((f) => f.path === MANIFEST)) throw new DataFormatError(`${where}${PUBLISHED}`, undefined, `lists no ${MANIFEST}`);
  const temp = `${dir}.fetching-${process.pid}-${randomBytes(3).toString("hex")}`;
  try {
    await Promise.all(
      list.files.map(async (file) => {
        const bytes = await store.get(versionPrefix(version) + file.path);
        if (!bytes) throw new DataFormatError(where + file.path, undefined, "missing: the version is incomplete");
        if (bytes.byteLength !== file.bytes || sha256(bytes) !== file.sha256) {
          throw new DataFormatError(where + file.path, undefined, `damaged: ${bytes.byteLength} bytes with SHA-256 ${sha256(bytes).slice(0, 12)}..., the list says ${file.bytes} bytes, ${file.sha256.slice(0, 12)}...`);
        }
        const path = join(temp, ...file.path.split("/"));
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, bytes);
      }),
    );
    if (!existsSync(dir)) renameSync(temp, dir);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
  return dir;
}

/** The files of a finished build that make a version, as "/"-separated paths relative to `dir`. */
function buildFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      const rel = relative(dir, path).split(sep).join("/");
      if (LOCAL_ONLY.includes(rel) || name.startsWith("hnsw-") || name.includes(".tmp-")) continue;
      if (statSync(path).isDirectory()) walk(path);
      else out.push(rel);
    }
  };
  walk(dir);
  if (!out.includes(MANIFEST)) throw new DataFormatError(join(dir, MANIFEST), undefined, "missing: only a finished build can be published");
  return out;
}
