/**
 * `recagent serve --store URL`: a stateless replica of a store. It serves the store's current model version
 * (model-versions.node.ts; the first replica on an empty store trains and publishes one), writes go to the
 * store's shared write log, and other replicas' writes are applied as they are followed. Every replica polls the
 * current-version pointer and, on a new version, loads it and assembles new services in the background, then
 * swaps them in at once (startServer's ServerControl): requests in flight finish on the old services, new ones
 * get the new; a version that fails to load is logged and the old one keeps serving.
 *
 * Writes across a swap: the replica keeps every write it knows (its own, once durable, and those it followed) in
 * one ordered journal. A new generation is assembled from the journal as it was when loading began; before it is
 * swapped in it applies what came since, and the swap happens in the same synchronous step as its last check, so
 * no write is missing from it. Catalog changes are re-mapped into each generation's item space: an onboarded
 * item's vector is computed again from its content with that version's content map (and an item the version
 * trained on keeps its trained vector).
 *
 * The items table on the store: each version has its own (model-versions.node.ts), which the replica opens. The
 * replica that accepts a catalog write appends it to the shared log (the source of truth) and then writes it to
 * the table of the version it serves; writes it followed go to its memory only. Loading a version (at start-up or
 * for a swap) brings its table up to date with every catalog write the replica knows, as idempotent upserts by id
 * (the id column is the table's primary key, so replicas doing it at once leave one row per id), and the writes
 * that arrive while the new generation is assembled are written to the new table before it is swapped in.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import { existsSync, renameSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Services } from "../agent/assemble.ts";
import { type CatalogChange, placeItem } from "../agent/onboarding.ts";
import type { ServiceConfig } from "../core/config.ts";
import { InputError } from "../core/errors.ts";
import type { LanceDbIndex } from "../index/lancedb.node.ts";
import type { IndexedItem } from "../index/types.ts";
import type { ContentMap } from "../models/content-map.ts";
import type { ObjectStore } from "../store/object-store.ts";
import { type SharedWriteLog, sharedWriteLog, type WrittenEntries } from "../store/shared-write-log.ts";
import { objectStoreFor } from "../store/store-location.node.ts";
import { buildModelFiles, buildSpecOf, openBuild } from "./artifacts.node.ts";
import { TableView } from "../index/table-view.ts";
import { fetchVersion, newVersionName, openVersionTable, publishBuild, readCurrent } from "./model-versions.node.ts";
import type { ServerControl, ServingState, StateSource } from "./node.ts";
import type { Write } from "./write-broadcast.node.ts";

/** A version that failed to load is tried again after this long (the pointer may be fixed, a download may have been cut). */
const RETRY_FAILED_MS = 30_000;

export interface ReplicaOptions {
  store: ObjectStore;
  writes: SharedWriteLog;
  /** Where published versions are downloaded to (shared by the replicas of one machine). */
  cacheRoot: string;
  pollMs: number;
}

/** The StateSource of `serve --store`; `log` hears the shared write log's failed polls. */
export function storeReplicaState(config: ServiceConfig, env: Record<string, string | undefined>, log: (line: string) => void = (l) => console.error(l)): StateSource {
  if (!config.store) throw new InputError("a store replica needs --store");
  const store = objectStoreFor(config.store, env);
  const writes = sharedWriteLog(store, { warn: (m) => log(`store replica: ${m}`) });
  return replicaState({ store, writes, cacheRoot: resolve(config.artifacts, "store-cache"), pollMs: config.storePollMs });
}

/** `fromThisReplica`: the write was taken by another generation of this replica (not followed from another replica). */
type Apply = (write: Write, fromThisReplica: boolean) => Promise<void>;

/** Every write this replica knows, in the order it learned them, and the generations that apply new ones. */
class WriteJournal {
  readonly writes: Write[] = [];
  private readonly targets = new Map<object, { apply: Apply; queue: Promise<void> }>();

  constructor(private readonly warn: (message: string) => void) {}

  /** A write this replica took: durable first (`append`), then known to every other generation. */
  async own(origin: object, write: Write, append: () => void | Promise<void>): Promise<void> {
    await append();
    this.push(write, origin);
  }

  followed(w: WrittenEntries): void {
    for (const change of w.catalog) this.push({ kind: "catalog", change });
    for (const event of w.feedback) this.push({ kind: "feedback", event });
  }

  /**
   * Applies the writes from `from` on with `apply`, then, in the same synchronous step as finding none left,
   * registers it for new writes and calls `commit` (the swap).
   */
  async catchUp(origin: object, apply: Apply, from: number, commit: () => void): Promise<void> {
    let next = from;
    while (next < this.writes.length) await apply(this.writes[next++], true);
    this.targets.set(origin, { apply, queue: Promise.resolve() });
    commit();
  }

  leave(origin: object): void {
    this.targets.delete(origin);
  }

  private push(write: Write, origin?: object): void {
    this.writes.push(write);
    for (const [key, target] of this.targets) {
      if (key === origin) continue;
      target.queue = target.queue.then(() => target.apply(write, origin !== undefined)).catch((e: unknown) => this.warn(`a write could not be applied: ${String(e)}`));
    }
  }
}

/** A catalog change in a version's item space: untrained items get their vector from their content through `contentMap`, placed as they were first (placeItem). */
export function remapChange(change: CatalogChange, isTrained: (id: string) => boolean, contentMap: ContentMap): CatalogChange {
  if (change.op === "delete") return change;
  if (isTrained(change.item.id)) return { op: "put", item: change.item };
  const { item, textYears } = change;
  return { op: "put", item, vector: Array.from(placeItem(contentMap, item, textYears)), ...(textYears && { textYears }) };
}

/** Writes to a VersionTable made inside `memoryOnly.run(true, ...)` skip the table: writes followed from other replicas. */
const memoryOnly = new AsyncLocalStorage<boolean>();

/**
 * A version's table on the store as one generation's durable index: reads and text search go to the table (which
 * shows other replicas' commits within a second); writes reach it only once the generation is `writing` (not while
 * its services replay what the table has already) and not from inside `memoryOnly` (writes another replica took).
 */
export class VersionTable extends TableView {
  writing = false;

  protected override writesThrough(): boolean {
    return this.writing && !memoryOnly.getStore();
  }
}

/**
 * Writes what `changes` (in the table's space, oldest first) come to into the table: the last change per id, as
 * one merge-insert of the items put (a trained item keeps the vector the table has) and one delete. Idempotent.
 */
export async function bringTableUpToDate(table: LanceDbIndex, changes: readonly CatalogChange[]): Promise<void> {
  const last = new Map<string, CatalogChange>();
  for (const change of changes) last.set(change.op === "delete" ? change.id : change.item.id, change);
  const rows: IndexedItem[] = [];
  const deleted: string[] = [];
  for (const [id, change] of last) {
    if (change.op === "delete") {
      deleted.push(id);
      continue;
    }
    const vector = change.vector ? Float32Array.from(change.vector) : (await table.get(id))?.vector;
    if (vector) rows.push({ ...change.item, vector });
  }
  await table.upsert(rows);
  await table.delete(deleted);
}

/** One generation's state: where it came from, and its token in the journal. */
interface Loaded {
  state: ServingState;
  durable: VersionTable;
  origin: object;
  /** The journal's length when the state was read from it. */
  from: number;
  isTrained: (id: string) => boolean;
}

export function replicaState(opts: ReplicaOptions): StateSource {
  const { store, writes } = opts;
  let log: (line: string) => void = () => {};
  const journal = new WriteJournal((m) => log(`store replica: ${m}`));
  let first: Loaded | undefined;
  let stopFollowing = () => {};

  /** The version downloaded (or found in the cache) and opened, with its table on the store brought up to date. */
  const load = async (version: string): Promise<Loaded> => {
    const dir = await fetchVersion(store, version, opts.cacheRoot);
    const artifacts = openBuild(dir);
    if (!artifacts) throw new InputError(`version ${version} in ${dir} has no manifest`);
    // The steps are long and synchronous: requests to the serving generation get their turn between them.
    await new Promise<void>((r) => setImmediate(r));
    const trained = new Set(artifacts.saved.items);
    const isTrained = (id: string) => trained.has(id);
    const origin = {};
    const from = journal.writes.length;
    const known = journal.writes.slice(0, from);
    // The version's own onboarded items are in its space (and its table) already; later ones are re-mapped into it.
    const remapped = known.flatMap((w) => (w.kind === "catalog" ? [remapChange(w.change, isTrained, artifacts.contentMap)] : []));
    const table = await openVersionTable(store, version, artifacts);
    await bringTableUpToDate(table, remapped);
    const durable = new VersionTable(table);
    const state: ServingState = {
      artifacts,
      durable,
      catalogChanges: [...artifacts.catalogLog.replay(log), ...remapped],
      feedbackEvents: known.flatMap((w) => (w.kind === "feedback" ? [w.event] : [])),
      logs: {
        feedback: { append: (event) => journal.own(origin, { kind: "feedback", event }, () => writes.feedback.append(event)) },
        catalog: { append: (change) => journal.own(origin, { kind: "catalog", change }, () => writes.catalog.append(change)) },
      },
      version,
    };
    return { state, durable, origin, from, isTrained };
  };

  /**
   * Applies the journal's writes to a generation. Until it serves (`catchUp` before the swap), and for writes another
   * generation of this replica took, they go to its table too: the journal since loading holds this replica's own
   * writes made on the old version, and the new version's table must have them. Followed writes after that are
   * in the table already (written by the replica that took them): memory only.
   */
  const appliers = (loaded: Loaded, services: Services): { apply: Apply; serving: () => void } => {
    const { contentMap } = loaded.state.artifacts;
    let serving = false;
    const applyToServices = async (write: Write) => {
      if (write.kind === "feedback") await services.feedback?.apply(write.event);
      else await services.onboarding?.apply(remapChange(write.change, loaded.isTrained, contentMap));
    };
    loaded.durable.writing = true;
    return {
      apply: (write, fromThisReplica) => (serving && !fromThisReplica ? memoryOnly.run(true, () => applyToServices(write)) : applyToServices(write)),
      serving: () => void (serving = true),
    };
  };

  return {
    async open(config, serverLog) {
      log = serverLog;
      let pointer = await readCurrent(store);
      if (!pointer) {
        log(`store ${store.url} has no model version yet: training one`);
        const build = join(opts.cacheRoot, `build-${process.pid}-${randomBytes(3).toString("hex")}`);
        try {
          await buildModelFiles(buildSpecOf(config), build, log);
          const mine = newVersionName();
          pointer = await publishBuild(store, build, { onlyIfNone: true, version: mine, log });
          // The build is the version: keep it as the cached download.
          if (pointer.version === mine && !existsSync(join(opts.cacheRoot, mine))) renameSync(build, join(opts.cacheRoot, mine));
        } finally {
          rmSync(build, { recursive: true, force: true });
        }
      }
      journal.followed(await writes.readAll());
      stopFollowing = writes.follow((w) => journal.followed(w), { intervalMs: opts.pollMs });
      first = await load(pointer.version);
      return first.state;
    },

    async beforeListen(services) {
      const loaded = first!;
      const { apply, serving } = appliers(loaded, services);
      await journal.catchUp(loaded.origin, apply, loaded.from, serving);
    },

    watch(server: ServerControl) {
      let serving = first!;
      let stopped = false;
      let timer: NodeJS.Timeout | undefined;
      let ticking: Promise<void> = Promise.resolve();
      let lastProblem = "";
      const failedAt = new Map<string, number>();
      const swapTo = async (version: string) => {
        const t0 = performance.now();
        let next: Loaded | undefined;
        try {
          next = await load(version);
          const t1 = performance.now();
          const generation = await server.assemble(next.state);
          const t2 = performance.now();
          const loaded = next;
          const { apply, serving: nowServing } = appliers(loaded, generation.services);
          await journal.catchUp(loaded.origin, apply, loaded.from, () => {
            server.swapIn(generation);
            nowServing();
            journal.leave(serving.origin);
          });
          serving = loaded;
          const t3 = performance.now();
          log(`swapped to model version ${version} (${next.state.artifacts.manifest.chosen}) in ${Math.round(t3 - t0)} ms: load ${Math.round(t1 - t0)} ms, assemble ${Math.round(t2 - t1)} ms, catch up and swap ${Math.round(t3 - t2)} ms`);
        } catch (e) {
          failedAt.set(version, Date.now());
          log(`model version ${version} not loaded, still serving ${serving.state.version}: ${(e as Error).message}`);
        }
      };
      const tick = async () => {
        try {
          const pointer = await readCurrent(store);
          lastProblem = "";
          const failed = pointer && failedAt.get(pointer.version);
          if (pointer && pointer.version !== serving.state.version && !(failed && Date.now() - failed < RETRY_FAILED_MS)) await swapTo(pointer.version);
        } catch (e) {
          const problem = (e as Error).message;
          if (problem !== lastProblem) log(`store replica: cannot read the current model version (still serving ${serving.state.version}): ${problem}`);
          lastProblem = problem;
        }
        if (!stopped) timer = setTimeout(() => (ticking = tick()), opts.pollMs).unref();
      };
      timer = setTimeout(() => (ticking = tick()), opts.pollMs).unref();
      return async () => {
        stopped = true;
        clearTimeout(timer);
        await ticking;
        stopFollowing();
      };
    },
  };
}
