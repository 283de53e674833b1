import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppDeps } from "../deps.ts";
import { ErrorBody, RecommendationRequest, RecommendationResponse } from "../schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/recommendations",
  summary: "Recommend items for a known user, a history, or nobody (popular items)",
  request: { body: { content: { "application/json": { schema: RecommendationRequest } }, required: true } },
  responses: {
    200: { content: { "application/json": { schema: RecommendationResponse } }, description: "Recommended items, best first" },
    400: { content: { "application/json": { schema: ErrorBody } }, description: "Invalid request" },
  },
});

export function mountRecommendations(app: OpenAPIHono, deps: AppDeps): void {
  const now = deps.now ?? (() => performance.now());
  app.openapi(route, async (c) => {
    const start = now();
    const body = c.req.valid("json");
    const f = body.filters;
    const result = await deps.recommendations.recommend({
      userId: body.user_id,
      history: body.history?.map((h) => ({ itemId: h.item_id, weight: h.weight ?? 1 })),
      k: body.k,
      excludeSeen: body.exclude_seen,
      diversity: body.diversity,
      filter: f && { genresAny: f.genres_any, genresNone: f.genres_none, yearMin: f.year_min, yearMax: f.year_max, excludeIds: f.exclude_ids },
    });
    return c.json(
      {
        items: result.items.map((i) => ({ id: i.id, title: i.title, year: i.year, genres: i.genres, score: i.score, reasons: i.reasons })),
        model: deps.recommendations.modelName,
        strategy: result.strategy,
        took_ms: Math.round((now() - start) * 1000) / 1000,
      },
      200,
    );
  });
}
