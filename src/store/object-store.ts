/**
 * Where a deployment keeps what must outlive a process and be shared between replicas: published model
 * versions, write logs, the LanceDB table. A folder on Node (object-store-folder.node.ts) or S3-compatible
 * storage (s3://bucket/prefix). Keys are "/"-separated paths relative to the store's root.
 */
export interface ObjectStore {
  /** Where it is, for messages and logs: a folder path or s3://bucket/prefix. */
  readonly url: string;
  /** The object's bytes, or undefined when there is none. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Writes (or replaces) an object whole: readers see the old bytes or the new, never a mix. */
  put(key: string, body: Uint8Array | string): Promise<void>;
  /** Writes only when no object has this key yet; false when one exists (another writer won). */
  putIfAbsent(key: string, body: Uint8Array | string): Promise<boolean>;
  /**
   * Keys under a prefix, in byte order; with `startAfter`, only the keys after it (byte order), so a reader
   * polling for new keys of an ordered series lists what is new, not the whole series again.
   */
  list(prefix: string, opts?: { startAfter?: string }): Promise<string[]>;
  delete(key: string): Promise<void>;
}
