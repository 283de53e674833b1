import type { MiddlewareHandler } from "hono";
import { errorResponse } from "./errors.ts";

/**
 * Requires `Authorization: Bearer <key>`. With no key configured the guarded routes answer 401 and say how to
 * configure one, so an open deployment never accepts writes by accident.
 */
export function requireKey(key: string | undefined, what: string, envName: string): MiddlewareHandler {
  return async (c, next) => {
    if (!key) {
      return errorResponse(c, 401, { error: "unauthorized", message: `${what} are disabled: set ${envName} on the server and send "Authorization: Bearer <key>"` });
    }
    const header = c.req.header("authorization") ?? "";
    if (!constantTimeEqual(header, `Bearer ${key}`)) {
      return errorResponse(c, 401, { error: "unauthorized", message: `${what} need "Authorization: Bearer <key>" with the key configured in ${envName}` });
    }
    await next();
  };
}

function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return diff === 0;
}
