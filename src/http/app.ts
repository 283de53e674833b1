import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { requireKey } from "./auth.ts";
import type { AppDeps } from "./deps.ts";
import { docsPage } from "./docs.ts";
import { errorResponse, handleError, validationError } from "./errors.ts";
import { mountChat } from "./routes/chat.ts";
import { mountFeedback } from "./routes/feedback.ts";
import { mountItemReads, mountItemWrites } from "./routes/items.ts";
import { mountRecommendations } from "./routes/recommendations.ts";
import { consoleLogger, observeRequests } from "./observability.ts";
import { HealthResponse } from "./schemas.ts";

const DEFAULT_MAX_BODY = 256 * 1024;
const API_KEY_ENV = "RECAGENT_API_KEY";

const health = createRoute({
  method: "get",
  path: "/healthz",
  summary: "Liveness, the serving model, the item count and the index kind",
  responses: { 200: { content: { "application/json": { schema: HealthResponse } }, description: "Serving" } },
});

/** The whole HTTP API over its dependencies; runs unchanged on Node and in workerd. */
export function createApp(deps: AppDeps): OpenAPIHono {
  const app = new OpenAPIHono({
    defaultHook: (result, c) => (result.success ? undefined : validationError(c, result.error)),
  });
  app.onError(handleError);
  app.notFound((c) => {
    c.set("unmatched", true);
    return errorResponse(c, 404, { error: "not_found", message: `no route for ${c.req.method} ${new URL(c.req.url).pathname}; see /openapi.json` });
  });
  app.use("*", observeRequests(deps.logger ?? consoleLogger, deps.metrics));

  const maxSize = deps.maxBodyBytes ?? DEFAULT_MAX_BODY;
  app.use(
    "/v1/*",
    bodyLimit({ maxSize, onError: (c) => errorResponse(c, 413, { error: "payload_too_large", message: `request body exceeds ${maxSize} bytes` }) }),
  );
  const writeGuard = requireKey(deps.writeKey, "writes", API_KEY_ENV);
  app.on(["POST", "PUT", "DELETE"], ["/v1/items", "/v1/items/*", "/v1/feedback"], writeGuard);
  if (deps.readKey) {
    const readGuard = requireKey(deps.readKey, "reads", "RECAGENT_READ_KEY");
    app.on(["GET"], "/v1/*", readGuard);
    app.on("POST", ["/v1/recommendations", "/v1/chat"], readGuard);
  }

  app.openapi(health, async (c) =>
    c.json(
      { status: "ok" as const, model: deps.recommendations.modelName, ...(deps.version ? { version: deps.version } : {}), scorer: deps.recommendations.scorerKind, items: await deps.index.count(), index: deps.index.kind, llm: deps.llm.enabled ? deps.llm.modelFor("rerank") : "off" },
      200,
    ),
  );
  mountRecommendations(app, deps);
  mountItemReads(app, deps);
  mountItemWrites(app, deps);
  mountFeedback(app, deps);
  mountChat(app, deps);
  const metrics = deps.metrics;
  if (metrics) {
    app.get("/metrics", async (c) => {
      const { contentType, body } = await metrics.exposition();
      return c.body(body, 200, { "content-type": contentType });
    });
  }

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: { title: "recagent", version: "0.1.0", description: `Recommendations over HTTP. Writes need "Authorization: Bearer <${API_KEY_ENV}>".` },
  });
  app.get("/docs", (c) => c.html(docsPage(app)));
  return app;
}
