import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { progressBar, trainingProgress } from "../cli/progress.node.ts";
import { readModelDir, writeModelDir } from "../cli/model-dir.node.ts";
import { AppError, InputError } from "../core/errors.ts";
import type { ServiceConfig } from "../core/config.ts";
import { loadDataset, loadInteractionFiles } from "../data/files.node.ts";
import { Interactions } from "../data/interactions.ts";
import { LanceDbIndex } from "../index/lancedb.node.ts";
import { ContentMap } from "../models/content-map.ts";
import type { SavedModel } from "../models/persist.ts";
import { factorSpaceOf } from "../agent/assemble.ts";
import { describeRecipe } from "../eval/tuning/recipe.ts";
import { describeTuning, savedModelOf, trainModel } from "../eval/tuning/train-model.ts";
import { alsSpec } from "../models/als.ts";
import type { FactorRecommender, Recommender } from "../models/recommender.ts";
import { recommenderSpec } from "../models/registry.ts";
import { resolveParams } from "../models/spec.ts";
import type { Item } from "../core/types.ts";
import type { IndexedItem } from "../index/types.ts";
import type { Dataset } from "../data/movielens.ts";
import type { ValueTransform } from "../data/interactions.ts";
import type { Recency } from "../models/recency.ts";
import type { FeedbackEvent } from "../agent/feedback.ts";
import type { CatalogChange } from "../agent/onboarding.ts";
import { JsonlLog } from "./jsonl-log.node.ts";

/** 6: content-map format 5 (sublinear term frequency of description words); 5: content-map format 4 (stemmed description words, attribute features); 4: content-map format 3 (calibrated placements); 3: saved models keep entry ages and may have a companion factor model; an older build is rebuilt, not misread. */
export const ARTIFACT_VERSION = 6;

/** What a finished build wrote; its presence marks the build complete (it is written last). */
export interface Manifest {
  version: number;
  source: string;
  /** As configured: a model name or "auto". */
  model: string;
  /** Whether the build chose parameters on validation (tuning-report.json); else `params` were fixed. */
  tune: boolean;
  params: Record<string, number>;
  /** What was trained (describeRecipe): model or blend, parameters, value weighting, recency. */
  chosen: string;
  users: number;
  items: number;
  factors: number;
  builtAt: string;
}

export interface Artifacts {
  dir: string;
  manifest: Manifest;
  saved: SavedModel;
  /** The factor model whose item space a model without item vectors is served in (EASE, kNN); see restoreServedModels. */
  companion?: SavedModel;
  items: Item[];
  contentMap: ContentMap;
  lancedbDir: string;
  /** Catalog changes since the build (onboarded items), replayed at start-up. */
  catalogLog: JsonlLog<CatalogChange>;
  /** Feedback since the build, replayed at start-up. */
  feedbackLog: JsonlLog<FeedbackEvent>;
}

/** The build's files that are written last (its presence marks a finished build), and the per-process ones. */
export const MANIFEST = "manifest.json";
export const LANCEDB_DIR = "lancedb";
export const TUNING_REPORT_FILE = "tuning-report.json";

const paths = (dir: string) => ({
  manifest: join(dir, MANIFEST),
  model: join(dir, "model"),
  companion: join(dir, "companion"),
  tuningReport: join(dir, TUNING_REPORT_FILE),
  lancedb: join(dir, LANCEDB_DIR),
  contentMap: join(dir, "content-map.json"),
  catalogLog: join(dir, "catalog.jsonl"),
  feedbackLog: join(dir, "feedback.jsonl"),
});

function sourceOf(config: ServiceConfig): string {
  return config.interactions ? `${resolve(config.interactions)}${config.items ? `+${resolve(config.items)}` : ""}` : config.dataset;
}

function artifactDir(config: ServiceConfig): string {
  const source = sourceOf(config).replace(/[^A-Za-z0-9._-]+/g, "_").slice(-80);
  return resolve(config.artifacts, `${source}-${config.model}`);
}

/** What to train a build from: the data, the model and how its parameters are found. */
export interface BuildSpec {
  /** Names the data in the manifest (a rebuild is due when it changes). */
  source: string;
  load: () => Dataset;
  model: string;
  tune: boolean;
  tuneBudget?: number;
  /** Without tuning: parameters over the defaults, the value weighting and the recency weighting. */
  overrides: Readonly<Record<string, string | number>>;
  weighting?: ValueTransform;
  recency?: Recency;
  /** Fixed parameters as the manifest records them (empty when tuned). */
  params: Record<string, number>;
}

/** The build a service configuration asks for. */
export function buildSpecOf(config: ServiceConfig): BuildSpec {
  if (config.tune && Object.keys(config.params).length) throw new InputError("params fix a model's parameters by hand: set tune to false (--no-tune); tuning chooses them itself");
  if (!config.tune && config.model === "auto") throw new InputError("model auto is chosen by tuning; with --no-tune name the model (e.g. --model ease)");
  // Fixed parameters are part of what a build is for; tuned ones are its result.
  if (config.model !== "auto") recommenderSpec(config.model);
  return {
    source: sourceOf(config),
    load: () => (config.interactions ? loadInteractionFiles(config.interactions, config.items) : loadDataset(config.dataset)),
    model: config.model,
    tune: config.tune,
    tuneBudget: config.tuneBudget,
    overrides: config.params,
    params: config.tune ? {} : resolveParams(recommenderSpec(config.model), config.params),
  };
}

/**
 * Returns the build for this configuration, training it first when none exists (or when the data source,
 * model or parameters changed). A build is written to a temporary directory and renamed into place, so a
 * kill during training never leaves a half-written build that a restart would trust.
 */
export async function ensureArtifacts(config: ServiceConfig, log: (line: string) => void): Promise<Artifacts> {
  const dir = artifactDir(config);
  const spec = buildSpecOf(config);
  const existing = readManifest(dir);
  const key = (m: Pick<Manifest, "source" | "model" | "tune" | "params">) => JSON.stringify([m.source, m.model, m.tune, m.params]);
  if (existing && key(existing) === key(spec)) return open(dir, existing);
  if (existing) log(`configuration changed since the build in ${dir}; rebuilding`);
  const temp = `${dir}.building-${process.pid}`;
  rmSync(temp, { recursive: true, force: true });
  const { manifest, rows } = await buildModelFiles(spec, temp, log);
  await LanceDbIndex.build(paths(temp).lancedb, rows, { table: "items", dimension: manifest.factors });
  const old = `${dir}.old-${process.pid}`;
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(temp, dir);
  rmSync(old, { recursive: true, force: true });
  log(`built ${dir} (${rows.length} items in LanceDB)`);
  return open(dir, manifest);
}

/**
 * Trains a build into `dir` (created): the model directory, the companion factor model when the model has no
 * item vectors, the content map, the catalog's unrated items onboarded from their content (catalog.jsonl), the
 * tuning report, and the manifest last. Everything a server needs but its LanceDB table, which is built from
 * the returned rows (trained items with their vectors, then the onboarded ones).
 */
export async function buildModelFiles(spec: BuildSpec, dir: string, log: (line: string) => void): Promise<{ manifest: Manifest; rows: IndexedItem[] }> {
  mkdirSync(dir, { recursive: true });
  const p = paths(dir);
  log(`loading ${spec.source}`);
  const dataset = spec.load();
  const { stop, ...progress } = trainingProgress(spec.model, spec.tune);
  const trained = await trainModel(dataset.rows, { model: spec.model, tune: spec.tune, budgetSeconds: spec.tuneBudget, overrides: spec.overrides, weighting: spec.weighting, recency: spec.recency, catalog: dataset.catalog, ...progress });
  stop();
  const { data, model, recipe, tuning } = trained;
  const chosen = describeRecipe(recipe);
  log(`trained ${chosen} on ${data.userCount} users x ${data.itemCount} items in ${trained.fitSeconds.toFixed(1)} s`);
  if (tuning) {
    writeFileSync(p.tuningReport, `${JSON.stringify(tuning, null, 1)}\n`);
    log(`tuning: ${describeTuning(tuning)}; report in ${p.tuningReport}`);
  }
  const items = data.items.toArray().map((id) => dataset.catalog.get(id) ?? { id, title: id, genres: [], tags: [] });
  const { params, source, model: modelName, tune } = spec;
  return writeBuild(dir, { model, saved: savedModelOf(model, data, recipe.recency), items, catalog: [...dataset.catalog.items()], data, describes: { source, model: modelName, tune, params, chosen } }, log);
}

/** A model ready to be served, and what the build's manifest says of it. */
export interface BuildInputs {
  model: Recommender;
  saved: SavedModel;
  /** Catalog entries of the model's items, in model order. */
  items: Item[];
  /** The whole catalog: its items the model never saw are onboarded from their content. */
  catalog: readonly Item[];
  /** The data a companion ALS is fitted on when the model has no item vectors (EASE, kNN). */
  data?: Interactions;
  describes: Pick<Manifest, "source" | "model" | "tune" | "params" | "chosen">;
}

/**
 * Writes a build around a model (trained here, or imported by `recagent import --publish`): the model, a companion
 * factor model when it has no item vectors, the content map, the catalog's unrated items onboarded as POST
 * /v1/items would, and last the manifest. Returns the rows of the build's LanceDB table.
 */
export async function writeBuild(dir: string, b: BuildInputs, log: (line: string) => void): Promise<{ manifest: Manifest; rows: IndexedItem[] }> {
  mkdirSync(dir, { recursive: true });
  const p = paths(dir);
  const { model, items } = b;
  writeModelDir(p.model, b.saved, items);
  // Onboarded items, MMR and reasons need an item space; a model without item vectors gets a companion ALS.
  let space = factorSpaceOf(model);
  if (!space) {
    if (!b.data) throw new AppError("not_servable", `model ${model.name} has no item vectors and no data to fit a companion factor model on`);
    space = (await fitWithProgress(alsSpec.create(resolveParams(alsSpec)), b.data, log)) as FactorRecommender;
    writeModelDir(p.companion, savedModelOf(space, b.data), items);
  }
  const vectors = space.itemVectors();
  const f = space.factors;
  const contentMap = ContentMap.fit(items, vectors, f);
  writeFileSync(p.contentMap, JSON.stringify(contentMap.toJSON()));
  // Catalog items nobody rated are onboarded from their content, as POST /v1/items would, so they are retrievable too.
  const trained = new Set(b.saved.items);
  const onboarded = b.catalog.filter((item) => !trained.has(item.id)).map((item) => ({ ...item, vector: contentMap.map(item) }));
  const catalogLog = new JsonlLog<CatalogChange>(p.catalogLog);
  for (const row of onboarded) {
    const { vector, ...item } = row;
    catalogLog.append({ op: "put", item, vector: Array.from(vector) });
  }
  const rows = [...items.map((item, r) => ({ ...item, vector: vectors.slice(r * f, (r + 1) * f) })), ...onboarded];
  const manifest: Manifest = { version: ARTIFACT_VERSION, ...b.describes, users: b.saved.users.length, items: rows.length, factors: f, builtAt: new Date().toISOString() };
  writeFileSync(p.manifest, JSON.stringify(manifest, null, 2));
  return { manifest, rows };
}

/** The finished build for this configuration, never building one: what a cluster worker opens beside its primary. */
export function openBuiltArtifacts(config: ServiceConfig): Artifacts {
  const dir = artifactDir(config);
  const manifest = readManifest(dir);
  if (!manifest) throw new AppError("no_build", `no finished build in ${dir}; the primary builds it before starting workers`);
  return open(dir, manifest);
}

async function fitWithProgress(model: Recommender, data: Interactions, log: (line: string) => void): Promise<Recommender> {
  const bar = progressBar(`train ${model.name}`, true);
  const t0 = performance.now();
  await model.fit(data, { onProgress: bar.update });
  bar.stop();
  log(`trained ${model.name} on ${data.userCount} users x ${data.itemCount} items in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return model;
}

/** The build in `dir` (a finished one: its manifest is there), or undefined. */
export function openBuild(dir: string): Artifacts | undefined {
  const manifest = readManifest(dir);
  return manifest && open(dir, manifest);
}

function readManifest(dir: string): Manifest | undefined {
  const file = paths(dir).manifest;
  if (!existsSync(file)) return undefined;
  try {
    const m = JSON.parse(readFileSync(file, "utf8")) as Manifest;
    return m.version === ARTIFACT_VERSION ? m : undefined;
  } catch {
    return undefined;
  }
}

function open(dir: string, manifest: Manifest): Artifacts {
  const p = paths(dir);
  const { saved, items } = readModelDir(p.model);
  return {
    dir,
    manifest,
    saved,
    ...(existsSync(p.companion) ? { companion: readModelDir(p.companion).saved } : {}),
    items,
    contentMap: ContentMap.fromJSON(JSON.parse(readFileSync(p.contentMap, "utf8"))),
    lancedbDir: p.lancedb,
    catalogLog: new JsonlLog(p.catalogLog),
    feedbackLog: new JsonlLog(p.feedbackLog),
  };
}
