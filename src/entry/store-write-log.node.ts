/**
 * The write log replicas on one store share: every feedback event and catalog change as an object of its own
 * under `logs/`, named by time so keys sort roughly in write order. Interim: the S3/replicas work brings
 * `sharedWriteLog(store)` in src/store/ with this interface; store-replica.node.ts depends only on the interface.
 */
import { randomUUID } from "node:crypto";
import type { FeedbackEvent, FeedbackLog } from "../agent/feedback.ts";
import type { CatalogChange, CatalogLog } from "../agent/onboarding.ts";
import type { ObjectStore } from "../store/object-store.ts";

export interface SharedWrites {
  feedback: FeedbackEvent[];
  catalog: CatalogChange[];
}

export interface SharedWriteLog {
  feedback: FeedbackLog;
  catalog: CatalogLog;
  /** Every write so far, in order. */
  readAll(): Promise<SharedWrites>;
  /** Calls `apply` with the writes other writers made after readAll (or the last call), until the returned stop. */
  follow(apply: (w: SharedWrites) => void, opts?: { intervalMs?: number }): () => void;
}

const FEEDBACK = "logs/feedback/";
const CATALOG = "logs/catalog/";

export function objectStoreWriteLog(store: ObjectStore): SharedWriteLog {
  // Keys this replica has read or written: follow() hands over only the others.
  const seen = new Set<string>();
  let counter = 0;
  const append = async (prefix: string, record: unknown) => {
    const key = `${prefix}${String(Date.now()).padStart(14, "0")}-${String(counter++).padStart(8, "0")}-${randomUUID()}.json`;
    seen.add(key);
    await store.put(key, JSON.stringify(record));
  };
  const readNew = async <T>(prefix: string): Promise<T[]> => {
    const keys = (await store.list(prefix)).filter((k) => !seen.has(k));
    const bodies = await Promise.all(keys.map((k) => store.get(k)));
    for (const k of keys) seen.add(k);
    return bodies.flatMap((b) => (b ? [JSON.parse(new TextDecoder().decode(b)) as T] : []));
  };
  const readBoth = async (): Promise<SharedWrites> => {
    const [feedback, catalog] = await Promise.all([readNew<FeedbackEvent>(FEEDBACK), readNew<CatalogChange>(CATALOG)]);
    return { feedback, catalog };
  };
  return {
    feedback: { append: (event) => append(FEEDBACK, event) },
    catalog: { append: (change) => append(CATALOG, change) },
    readAll: readBoth,
    follow(apply, opts = {}) {
      let stopped = false;
      let timer: NodeJS.Timeout | undefined;
      const tick = async () => {
        try {
          const w = await readBoth();
          if (!stopped && (w.feedback.length || w.catalog.length)) apply(w);
        } catch {
          // A failed poll is retried on the next tick; nothing was marked seen for the objects it could not read.
        }
        if (!stopped) timer = setTimeout(tick, opts.intervalMs ?? 1000).unref();
      };
      timer = setTimeout(tick, opts.intervalMs ?? 1000).unref();
      return () => {
        stopped = true;
        clearTimeout(timer);
      };
    },
  };
}
