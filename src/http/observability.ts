import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";

/*
 * What the HTTP app reports about itself, behind interfaces so that the app stays portable: the Node service
 * backs them with prom-client and pino (entry/observability.node.ts); a Worker may pass none.
 */

/** Structured logging: fields first, then a message (pino's argument order, so a pino logger fits as is). */
export interface Logger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
  /** A logger that adds these fields to every line (the request id). */
  child(fields: Record<string, unknown>): Logger;
}

/** One answered request. `route` is the pattern that matched ("/v1/items/:id"), never the raw path. */
export interface RequestRecord {
  method: string;
  route: string;
  status: number;
  seconds: number;
}

export interface AppMetrics {
  request(r: RequestRecord): void;
  /** An LLM stage fell back to its non-LLM path (reason: timeout, server_error, disabled, gated...). */
  fallback(stage: string, reason: string): void;
  /** The body of GET /metrics. */
  exposition(): Promise<{ contentType: string; body: string }>;
}

declare module "hono" {
  interface ContextVariableMap {
    requestId: string;
    /** Logs with this request's id. */
    log: Logger;
    /** Set when no route matched, so metrics label the request "unmatched" instead of a middleware's pattern. */
    unmatched: boolean;
  }
}

export const REQUEST_ID_HEADER = "x-request-id";
export const UNMATCHED_ROUTE = "unmatched";
/** Ids from a caller's tracing (UUIDs, ULIDs, W3C trace ids, base64) are kept; anything else is replaced. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:+/=-]{1,128}$/;

/** The caller's request id when it is sane, else a new one. */
export function requestIdFor(incoming: string | undefined): string {
  return incoming !== undefined && SANE_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
}

/** Without a logger: errors and warnings to the console as before, no request lines. */
export const consoleLogger: Logger = {
  info: () => {},
  warn: (fields, message) => console.warn(message, fields),
  error: (fields, message) => console.error(message, fields),
  child: () => consoleLogger,
};

/**
 * First middleware of the app: gives the request an id (echoed in x-request-id), a logger carrying it, and on the
 * way out one log line and one metrics record with the route pattern, status and duration.
 */
export function observeRequests(log: Logger, metrics: AppMetrics | undefined): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    const requestId = requestIdFor(c.req.header(REQUEST_ID_HEADER));
    const requestLog = log.child({ req_id: requestId });
    c.set("requestId", requestId);
    c.set("log", requestLog);
    c.header(REQUEST_ID_HEADER, requestId);
    await next();
    const ms = performance.now() - started;
    const route = c.get("unmatched") ? UNMATCHED_ROUTE : routePath(c, -1);
    const status = c.res.status;
    metrics?.request({ method: c.req.method, route, status, seconds: ms / 1000 });
    requestLog.info({ method: c.req.method, route, path: c.req.path, status, ms: Math.round(ms * 1000) / 1000 }, "request");
  };
}
