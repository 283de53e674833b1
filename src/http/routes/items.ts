import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { NotFoundError, NotSupportedError } from "../../core/errors.ts";
import type { Item } from "../../core/types.ts";
import type { Scored } from "../../index/types.ts";
import type { AppDeps } from "../deps.ts";
import { METADATA_STAGE } from "../../agent/metadata/describe.ts";
import type { Onboarded } from "../../agent/onboarding.ts";
import { ErrorBody, IdParam, ItemInput, ItemOut, KQuery, OnboardedItemOut, ScoredItemsResponse, SearchQuery, usageOut } from "../schemas.ts";

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { "application/json": { schema } }, description });
const errors = {
  400: json(ErrorBody, "Invalid request"),
  404: json(ErrorBody, "No such item"),
};
const writeErrors = { ...errors, 401: json(ErrorBody, "Missing or wrong bearer key"), 409: json(ErrorBody, "Conflict"), 501: json(ErrorBody, "Writes are not supported here") };

const getItem = createRoute({ method: "get", path: "/v1/items/{id}", summary: "One item", request: { params: IdParam }, responses: { 200: json(ItemOut, "The item"), ...errors } });
const searchItems = createRoute({ method: "get", path: "/v1/items", summary: "Full-text title search", request: { query: SearchQuery }, responses: { 200: json(ScoredItemsResponse, "Matches, best first"), ...errors } });
const similarItems = createRoute({ method: "get", path: "/v1/items/{id}/similar", summary: "Items similar to one item", request: { params: IdParam, query: KQuery }, responses: { 200: json(ScoredItemsResponse, "Similar items, best first"), ...errors } });
const body = { body: { content: { "application/json": { schema: ItemInput } }, required: true } };
const createItem = createRoute({ method: "post", path: "/v1/items", summary: "Onboard a new item from its content", request: body, responses: { 201: json(OnboardedItemOut, "Created; recommendable at once"), ...writeErrors } });
const updateItem = createRoute({ method: "put", path: "/v1/items/{id}", summary: "Replace an item's content", request: { params: IdParam, ...body }, responses: { 200: json(OnboardedItemOut, "Updated"), ...writeErrors } });
const deleteItem = createRoute({ method: "delete", path: "/v1/items/{id}", summary: "Remove an item", request: { params: IdParam }, responses: { 200: json(z.object({ deleted: z.string() }), "Deleted"), ...writeErrors } });

export function itemOut(item: Item) {
  return { id: item.id, title: item.title, year: item.year, genres: item.genres, tags: item.tags, text: item.text, attributes: item.attributes };
}
function onboardedOut({ item, described }: Onboarded, deps: AppDeps) {
  if (!described) return itemOut(item);
  if (described.fallback) deps.metrics?.fallback(METADATA_STAGE, described.fallback);
  const metadata = { source: described.source, dropped_genres: described.droppedGenres, usage: usageOut(described.usage), ...(described.fallback && { fallback: described.fallback }) };
  return { ...itemOut(item), metadata };
}

const scoredOut = (found: Scored[]) => ({ items: found.map((s) => ({ ...itemOut(s.item), score: s.score })) });

export function mountItemReads(app: OpenAPIHono, deps: AppDeps): void {
  app.openapi(searchItems, async (c) => {
    const { q, k } = c.req.valid("query");
    return c.json(scoredOut(await deps.index.search(q, { k })), 200);
  });
  app.openapi(getItem, (c) => {
    const { id } = c.req.valid("param");
    const item = deps.items.get(id);
    if (!item) throw new NotFoundError(`item "${id}" does not exist`);
    return c.json(itemOut(item), 200);
  });
  app.openapi(similarItems, async (c) => {
    const { id } = c.req.valid("param");
    const { k } = c.req.valid("query");
    return c.json(scoredOut(await deps.recommendations.similar(id, k)), 200);
  });
}

export function mountItemWrites(app: OpenAPIHono, deps: AppDeps): void {
  const onboarding = () => {
    if (!deps.onboarding) throw new NotSupportedError("this deployment serves a read-only catalog; onboard items on the Node service");
    return deps.onboarding;
  };
  app.openapi(createItem, async (c) => c.json(onboardedOut(await onboarding().create(c.req.valid("json")), deps), 201));
  app.openapi(updateItem, async (c) => c.json(onboardedOut(await onboarding().update(c.req.valid("param").id, c.req.valid("json")), deps), 200));
  app.openapi(deleteItem, async (c) => {
    const { id } = c.req.valid("param");
    await onboarding().delete(id);
    return c.json({ deleted: id }, 200);
  });
}
