// The few workerd APIs the Worker entry uses, typed here instead of pulling in all of @cloudflare/workers-types.

declare module "cloudflare:workers" {
  /** A cursor over a statement's rows (SqlStorage.exec). */
  export interface SqlStorageCursor<Row> {
    toArray(): Row[];
    one(): Row;
  }

  /** A SQLite-backed Durable Object's database (`ctx.storage.sql`). */
  export interface SqlStorage {
    exec<Row = Record<string, SqlStorageValue>>(query: string, ...bindings: SqlStorageValue[]): SqlStorageCursor<Row>;
  }
  export type SqlStorageValue = ArrayBuffer | string | number | null;

  export interface DurableObjectState {
    readonly storage: { readonly sql: SqlStorage };
  }

  export abstract class DurableObject<Env = unknown> {
    protected readonly ctx: DurableObjectState;
    protected readonly env: Env;
    constructor(ctx: DurableObjectState, env: Env);
  }

  export interface DurableObjectId {
    toString(): string;
  }

  /** A `[[durable_objects.bindings]]` binding; `get` returns a stub whose methods are the object's, called over RPC. */
  export interface DurableObjectNamespace<Stub> {
    idFromName(name: string): DurableObjectId;
    get(id: DurableObjectId): Stub;
  }

  /** The bindings of the Worker under test (vitest-pool-workers) or serving. */
  export const env: Record<string, unknown>;
}

declare module "cloudflare:test" {
  /** Drops every Durable Object instance (their in-memory state) and keeps their storage. */
  export function abortAllDurableObjects(): Promise<void>;
}
