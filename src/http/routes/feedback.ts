import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { NotSupportedError } from "../../core/errors.ts";
import type { AppDeps } from "../deps.ts";
import { ErrorBody, FeedbackRequest } from "../schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/feedback",
  summary: "Record that a user interacted with an item; the next recommendation reflects it",
  request: { body: { content: { "application/json": { schema: FeedbackRequest } }, required: true } },
  responses: {
    201: { content: { "application/json": { schema: z.object({ recorded: z.literal(true) }) } }, description: "Recorded durably" },
    400: { content: { "application/json": { schema: ErrorBody } }, description: "Invalid request" },
    401: { content: { "application/json": { schema: ErrorBody } }, description: "Missing or wrong bearer key" },
    404: { content: { "application/json": { schema: ErrorBody } }, description: "Unknown item" },
    501: { content: { "application/json": { schema: ErrorBody } }, description: "Not supported here" },
  },
});

export function mountFeedback(app: OpenAPIHono, deps: AppDeps): void {
  app.openapi(route, async (c) => {
    if (!deps.feedback) throw new NotSupportedError("this deployment does not store feedback; send it to the Node service");
    const body = c.req.valid("json");
    await deps.feedback.record({ userId: body.user_id, itemId: body.item_id, weight: body.weight, ts: body.ts ?? Math.floor(Date.now() / 1000) });
    return c.json({ recorded: true as const }, 201);
  });
}
