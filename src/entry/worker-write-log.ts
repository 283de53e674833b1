/**
 * The Worker deployment's write log: one SQLite-backed Durable Object (wrangler.toml) holding every write
 * since the exported artifact — feedback events, onboarded or edited items with their vectors, deletes — in
 * commit order, numbered by `seq`. Isolates append their writes here and read back the others' (worker-writes.ts).
 * Durable Objects hold a response until its storage writes are durable (the output gate), so an isolate that
 * has `append`'s answer knows the write is committed.
 */
import { DurableObject, type SqlStorage } from "cloudflare:workers";
import type { Item } from "../core/types.ts";
import type { Write } from "./write-broadcast.node.ts";

/** One committed write and its place in the log. */
export interface LoggedWrite {
  seq: number;
  write: Write;
}

/** What an isolate calls on the log (over Durable Object RPC; in-process stand-ins in tests). */
export interface WriteLogRpc {
  /** Commits `write` and answers its sequence number. */
  append(write: Write): Promise<{ seq: number }>;
  /** The writes after `after`, oldest first, at most `limit` of them, and the newest sequence number. */
  since(after: number, limit: number): Promise<{ head: number; entries: LoggedWrite[] }>;
}

/** Most entries one `since` answers; a longer log is read in pages. */
export const MAX_PAGE = 1000;

interface Row extends Record<string, ArrayBuffer | string | number | null> {
  seq: number;
  kind: "feedback" | "put" | "delete";
  body: string;
  vector: ArrayBuffer | null;
}

export class WriteLog extends DurableObject {
  private readonly sql: SqlStorage;

  constructor(...args: ConstructorParameters<typeof DurableObject>) {
    super(...args);
    this.sql = this.ctx.storage.sql;
    // body: the feedback event, the item (without its vector), or the deleted id, as JSON. vector: an onboarded
    // item's float32 vector, little-endian (a trained item keeps the model's and has none).
    this.sql.exec(`CREATE TABLE IF NOT EXISTS writes (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      kind TEXT NOT NULL CHECK (kind IN ('feedback', 'put', 'delete')),
      body TEXT NOT NULL,
      vector BLOB
    )`);
  }

  append(write: Write): { seq: number } {
    const { kind, body, vector } = encode(write);
    return this.sql.exec<{ seq: number }>("INSERT INTO writes (kind, body, vector) VALUES (?, ?, ?) RETURNING seq", kind, body, vector).one();
  }

  since(after: number, limit: number): { head: number; entries: LoggedWrite[] } {
    const page = Math.max(1, Math.min(MAX_PAGE, Math.floor(limit)));
    const rows = this.sql.exec<Row>("SELECT seq, kind, body, vector FROM writes WHERE seq > ? ORDER BY seq LIMIT ?", Math.floor(after), page).toArray();
    const { head } = this.sql.exec<{ head: number }>("SELECT coalesce(max(seq), 0) AS head FROM writes").one();
    return { head, entries: rows.map(decode) };
  }
}

function encode(write: Write): Omit<Row, "seq"> {
  if (write.kind === "feedback") return { kind: "feedback", body: JSON.stringify(write.event), vector: null };
  const change = write.change;
  if (change.op === "delete") return { kind: "delete", body: JSON.stringify({ id: change.id }), vector: null };
  // The vector came from a Float32Array (the content map), so float32 storage keeps it exactly.
  return { kind: "put", body: JSON.stringify(change.item), vector: change.vector ? new Float32Array(change.vector).buffer : null };
}

function decode(row: Row): LoggedWrite {
  const body = JSON.parse(row.body);
  switch (row.kind) {
    case "feedback":
      return { seq: row.seq, write: { kind: "feedback", event: body } };
    case "delete":
      return { seq: row.seq, write: { kind: "catalog", change: { op: "delete", id: (body as { id: string }).id } } };
    case "put": {
      const item = body as Item;
      const change = row.vector ? { op: "put" as const, item, vector: Array.from(new Float32Array(row.vector)) } : { op: "put" as const, item };
      return { seq: row.seq, write: { kind: "catalog", change } };
    }
  }
}
