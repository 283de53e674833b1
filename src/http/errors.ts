import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { AppError } from "../core/errors.ts";

/** The JSON body of every error response. */
export interface ErrorPayload {
  error: string;
  message: string;
  details?: unknown;
}

export function errorResponse(c: Context, status: number, payload: ErrorPayload): Response {
  return c.json(payload, status as ContentfulStatusCode);
}

/** Maps anything thrown in a handler to a JSON error; only a bug in our code produces a 5xx. */
export function handleError(err: unknown, c: Context): Response {
  if (AppError.isInstance(err)) return errorResponse(c, err.status, { error: err.code, message: err.message, details: err.details });
  if (err instanceof HTTPException) {
    const status = err.status;
    const code = status === 413 ? "payload_too_large" : status === 415 ? "unsupported_media_type" : status === 401 ? "unauthorized" : "bad_request";
    return errorResponse(c, status, { error: code, message: err.message || "bad request" });
  }
  c.var.log.error({ err }, "unhandled error");
  return errorResponse(c, 500, { error: "internal", message: "internal error; the server log has the details" });
}

/** zod issues as a one-line message plus the structured list. */
export function validationError(c: Context, error: z.ZodError): Response {
  const issues = error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  const message = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
  return errorResponse(c, 400, { error: "invalid_input", message, details: issues });
}
