import { assembleServices, type ServedModels } from "../agent/assemble.ts";
import type { Item } from "../core/types.ts";
import { Interactions } from "../data/interactions.ts";
import type { VectorIndex } from "../index/types.ts";
import type { LlmClient } from "../llm/types.ts";
import { alsSpec } from "../models/als.ts";
import { ContentMap } from "../models/content-map.ts";
import type { SavedModel } from "../models/persist.ts";
import { easeSpec } from "../models/ease.ts";
import type { FactorRecommender, Recommender } from "../models/recommender.ts";
import { resolveParams } from "../models/spec.ts";
import type { CatalogChange } from "../agent/onboarding.ts";
import type { FeedbackEvent } from "../agent/feedback.ts";
import { createApp } from "./app.ts";
import type { AppDeps } from "./deps.ts";

/** Twelve films in two taste clusters plus one family film: small enough to reason about answers exactly. */
export const FIXTURE_ITEMS: Item[] = [
  ["1", "Alien", 1979, "Horror|Sci-Fi"],
  ["2", "Aliens", 1986, "Action|Horror|Sci-Fi"],
  ["3", "The Terminator", 1984, "Action|Sci-Fi"],
  ["4", "Terminator 2", 1991, "Action|Sci-Fi"],
  ["5", "Die Hard", 1988, "Action|Thriller"],
  ["6", "Heat", 1995, "Action|Crime"],
  ["7", "Notting Hill", 1999, "Comedy|Romance"],
  ["8", "Love Actually", 2003, "Comedy|Romance"],
  ["9", "Pretty Woman", 1990, "Comedy|Romance"],
  ["10", "Sleepless in Seattle", 1993, "Comedy|Drama|Romance"],
  ["11", "When Harry Met Sally", 1989, "Comedy|Romance"],
  ["12", "Toy Story", 1995, "Animation|Children|Comedy"],
].map(([id, title, year, genres]) => ({ id: String(id), title: String(title), year: Number(year), genres: String(genres).split("|"), tags: [] }));

const ACTION = ["1", "2", "3", "4", "5", "6"];
const ROMANCE = ["7", "8", "9", "10", "11"];

/** Each cluster user lacks exactly one cluster item, which is then their obvious next pick. */
export const FIXTURE_USERS: Record<string, { has: string[]; lacks: string }> = {
  a1: { has: ACTION.filter((i) => i !== "4"), lacks: "4" },
  a2: { has: ACTION.filter((i) => i !== "1"), lacks: "1" },
  a3: { has: ACTION.filter((i) => i !== "6"), lacks: "6" },
  r1: { has: ROMANCE.filter((i) => i !== "9"), lacks: "9" },
  r2: { has: ROMANCE.filter((i) => i !== "7"), lacks: "7" },
  r3: { has: ROMANCE.filter((i) => i !== "11"), lacks: "11" },
  k1: { has: ["12", "7"], lacks: "" },
};

/**
 * The same trained models everywhere: ALS with a fixed seed on the fixture, and EASE served in ALS's item
 * space (as a build serves a model without item vectors).
 */
async function trainFixture(served: FixtureModel): Promise<{ models: ServedModels; companion?: FactorRecommender; data: Interactions }> {
  const rows = Object.entries(FIXTURE_USERS).flatMap(([user, u]) => u.has.map((item, t) => ({ user, item, value: 1, timestamp: t })));
  const data = Interactions.fromRows(rows);
  const space = alsSpec.create(resolveParams(alsSpec, { factors: 4, iterations: 15, reg: 0.1, alpha: 10 }));
  await space.fit(data);
  if (served === "als") return { models: { model: space, space }, data };
  const model = easeSpec.create({ lambda: 1 });
  await model.fit(data);
  return { models: { model, space }, companion: space, data };
}

/** als: served through the vector index; ease: scores the catalog itself (DenseScorer). */
export type FixtureModel = "als" | "ease";

export interface FixtureOptions {
  makeIndex: (dimension: number) => Promise<VectorIndex>;
  writable: boolean;
  /** Defaults to no LLM. */
  llm?: LlmClient;
  writeKey?: string;
  maxBodyBytes?: number;
  /** Defaults to als. */
  model?: FixtureModel;
}

export interface Fixture {
  app: ReturnType<typeof createApp>;
  deps: AppDeps;
  /** What the app was built from, as an export would write it. */
  build: { saved: SavedModel; companion?: SavedModel; items: Item[]; contentMap: ContentMap };
  catalogChanges: CatalogChange[];
  feedback: FeedbackEvent[];
}

/** A full app over the fixture: trained model, index filled with the items, in-memory logs. */
export async function fixtureApp(opts: FixtureOptions): Promise<Fixture> {
  const { models, companion, data } = await trainFixture(opts.model ?? "als");
  const f = models.space.factors;
  const ids = data.items.toArray();
  const byId = new Map(FIXTURE_ITEMS.map((i) => [i.id, i]));
  const items = ids.map((id) => byId.get(id)!);
  const vectors = models.space.itemVectors();
  const index = await opts.makeIndex(f);
  await index.upsert(items.map((item, r) => ({ ...item, vector: vectors.slice(r * f, (r + 1) * f) })));
  const catalogChanges: CatalogChange[] = [];
  const feedback: FeedbackEvent[] = [];
  const savedOf = (m: Recommender): SavedModel => ({ artifact: m.toArtifact(), users: data.users.toArray(), items: ids, seen: data.matrix, seenAges: data.ages });
  const build = {
    saved: savedOf(models.model),
    ...(companion ? { companion: savedOf(companion) } : {}),
    items,
    contentMap: ContentMap.fit(items, vectors, f),
  };
  const services = await assembleServices({
    ...build,
    models,
    index,
    llm: opts.llm,
    logs: opts.writable ? { catalog: { append: (c) => void catalogChanges.push(c) }, feedback: { append: (e) => void feedback.push(e) } } : undefined,
  });
  const deps: AppDeps = { ...services, writeKey: opts.writeKey, maxBodyBytes: opts.maxBodyBytes };
  return { app: createApp(deps), deps, build, catalogChanges, feedback };
}
