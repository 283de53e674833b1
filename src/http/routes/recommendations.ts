import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { RERANK_STAGE } from "../../ranking/llm-listwise.ts";
import type { Served } from "../../ranking/types.ts";
import type { AppDeps } from "../deps.ts";
import { ErrorBody, RecommendationRequest, RecommendationResponse, usageOut } from "../schemas.ts";

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

function rankerOut(served: Served) {
  return {
    name: served.ranker,
    ...(served.fallback && { fallback: served.fallback }),
    ...(served.partial && { partial: { failed_calls: served.partial.failedCalls, calls: served.partial.calls } }),
  };
}

export function mountRecommendations(app: OpenAPIHono, deps: AppDeps): void {
  const now = deps.now ?? (() => performance.now());
  app.openapi(route, async (c) => {
    const start = now();
    const body = c.req.valid("json");
    const f = body.filters;
    const result = await deps.recommendations.recommend({
      userId: body.user_id,
      history: body.history?.map((h) => ({ itemId: h.item_id, weight: h.weight ?? 1, ts: h.ts })),
      k: body.k,
      excludeSeen: body.exclude_seen,
      diversity: body.diversity,
      rerank: body.rerank,
      rerankBudgetMs: body.rerank_budget_ms,
      signal: c.req.raw.signal,
      filter: f && { genresAny: f.genres_any, genresNone: f.genres_none, yearMin: f.year_min, yearMax: f.year_max, excludeIds: f.exclude_ids },
    });
    if (result.served.fallback) deps.metrics?.fallback(RERANK_STAGE, result.served.fallback);
    return c.json(
      {
        items: result.items.map((i) => ({ id: i.id, title: i.title, year: i.year, genres: i.genres, score: i.score, reasons: i.reasons })),
        model: deps.recommendations.modelName,
        strategy: result.strategy,
        ranker: rankerOut(result.served),
        usage: usageOut(result.usage),
        took_ms: Math.round((now() - start) * 1000) / 1000,
      },
      200,
    );
  });
}
