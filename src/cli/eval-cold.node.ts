import { join } from "node:path";
import { itemDescriber } from "../agent/assemble.ts";
import { llmConfigFromEnv } from "../llm/config.ts";
import { FileCache } from "../llm/file-cache.node.ts";
import { createLlmClient } from "../llm/openai-client.ts";
import { DataFormatError, InputError } from "../core/errors.ts";
import type { InteractionRow, Item } from "../core/types.ts";
import type { Catalog } from "../data/catalog.ts";
import { loadDataset, readSplitFile, readText } from "../data/files.node.ts";
import { parseItems } from "../data/generic.ts";
import { type ColdData, type ColdRule, coldData, pickColdItems } from "../eval/cold.ts";
import { averageColdReports, type ColdContent, type ColdRanking, type ColdReport, evaluateColdOnboarding } from "../eval/cold-onboarding.ts";
import type { MixedMetrics } from "../eval/cold.ts";
import { DEFAULT_SHRINKAGE, DEFAULT_SPREAD } from "../models/content-map.ts";
import { RECOMMENDERS, recommenderSpec } from "../models/registry.ts";
import { DEFAULT_ONBOARDED_SHARE } from "../agent/scoring/onboarded-bound.ts";
import { resolveParams } from "../models/spec.ts";
import { parseCommand, parseSets, required } from "./args.node.ts";
import { progressBar } from "./progress.node.ts";
import { fixed, formatTable } from "./table.ts";

export const EVAL_COLD_USAGE = `usage: recagent eval-cold --movielens DIR --train FILE --cold FILE [--model NAME] [--rank cold|all]
                          [--items FILE] [--cold-content metadata|all|text] [--validate newest|random [--folds N]] [--shrinkage X] [--spread X]
                          [--max-share X] [--set key=value]... [--json]
  Protocol P2, cold-start items, through the service's onboarding path: the model (ALS by default) on the
  train rows of the warm items, the content map fitted on them, every cold item created as POST /v1/items
  would (title, year, genres), then ranked for each user who rated one, by the scorer the service uses
  (a factor model through its vector index; any other with a companion ALS as its item space). Prints
  random and genre-affinity baselines beside it.
  --model      ${Object.keys(RECOMMENDERS).join(", ")} (default als)
  --rank       cold: among the cold items only (P2, default); all: among every item, warm and cold, the
               user's own train items excluded (P2 mixed), adding cold_share@20 and cold_coverage@20
  --movielens  MovieLens directory: ratings.csv (every rating, for relevance) and movies.csv (content)
  --train      the P1 train split: user, item, value, timestamp; tab-separated, no header
  --cold       the cold item ids, whitespace-separated (e.g. data/splits/ml-latest-small/cold_random.txt)
  --items      JSON lines of { id, title, description?, genres?, year?, attributes? }: each field given replaces what
               movies.csv says of that item (e.g. descriptions built by scripts/dev-item-text.node.ts)
  --cold-content  what onboarding is given of a cold item: metadata (title, year, genres), all (and the
               description and attributes; the default), text (title without year and description: genres and a stated
               year come from the metadata extractor, as the service does without an LLM)
  --validate   choose hyper-parameters without the cold items: drop them, then carve pseudo-cold items out
               of the warm train rows by this rule (newest first rating, or largest crc32) and score those
  --folds      with --validate random: average N carve-outs (the largest crc32 of the id, then of "k:" + id
               for k = 1..N-1), each one's metrics listed under "folds" (default 1)
  --shrinkage  content-map ridge penalty per training item (default ${DEFAULT_SHRINKAGE})
  --spread     how widely placed items spread in the item space, as a fraction of the trained items' spread
               (default ${DEFAULT_SPREAD}; 0: uncalibrated); moves cold items among warm ones, never among themselves
  --max-share  with --rank all: the service's bound, at most this share of a top 20 goes to onboarded items
               (default ${DEFAULT_ONBOARDED_SHARE}; 1: no bound)
  --set        a parameter of the model, e.g. --set factors=64
  --json       one JSON line: test_users, cold_items, metrics, then timings and baselines`;

export async function evalColdCommand(argv: string[], out: (line: string) => void): Promise<number> {
  const args = parseCommand(argv, {
    movielens: { type: "string" },
    train: { type: "string" },
    cold: { type: "string" },
    items: { type: "string" },
    model: { type: "string" },
    rank: { type: "string" },
    "cold-content": { type: "string" },
    validate: { type: "string" },
    folds: { type: "string" },
    shrinkage: { type: "string" },
    spread: { type: "string" },
    "max-share": { type: "string" },
    set: { type: "string", multiple: true },
    json: { type: "boolean", default: false },
  }, EVAL_COLD_USAGE);
  const spec = recommenderSpec(args.model ?? "als");
  const params = resolveParams(spec, parseSets(args.set, spec.name, [spec.name]));
  const ranking = rankingOf(args.rank);
  const coldContent = coldContentOf(args["cold-content"]);
  const shrinkage = args.shrinkage === undefined ? undefined : positiveNumber(args.shrinkage, "--shrinkage");
  const spread = args.spread === undefined ? undefined : nonNegativeNumber(args.spread, "--spread");
  const maxOnboardedShare = args["max-share"] === undefined ? DEFAULT_ONBOARDED_SHARE : positiveNumber(args["max-share"], "--max-share");
  const dataset = loadDataset(required(args.movielens, "--movielens", EVAL_COLD_USAGE));
  const trainRows = readSplitFile(required(args.train, "--train", EVAL_COLD_USAGE));
  const items = args.items === undefined ? new Map<string, Item>() : new Map(parseItems(readText(args.items), args.items, "jsonl").map((i) => [i.id, i]));
  const coldFile = required(args.cold, "--cold", EVAL_COLD_USAGE);
  const coldIds = readColdIds(coldFile, (id) => items.has(id) || dataset.catalog.get(id) !== undefined);

  const folds = args.folds === undefined ? 1 : foldCount(args.folds, args.validate);
  const splits = args.validate === undefined ? [coldData(trainRows, dataset.rows, coldIds)] : Array.from({ length: folds }, (_, k) => validationData(trainRows, coldIds, coldRule(args.validate!), k));
  const contentOf = onboardingContent(dataset.catalog, items);
  const llm = createLlmClient(llmConfigFromEnv(process.env), { cache: new FileCache(join("artifacts", "llm-cache")) });
  const describer = (warm: readonly Item[]) => itemDescriber(warm, llm);
  const reports: ColdReport[] = [];
  for (const [k, data] of splits.entries()) {
    const bar = progressBar(splits.length > 1 ? `fit ${spec.name} (fold ${k + 1}/${splits.length})` : `fit ${spec.name}`, !args.json);
    reports.push(await evaluateColdOnboarding(spec, params, data, contentOf, { shrinkage, spread, ranking, coldContent, maxOnboardedShare, describer, onProgress: bar.update }));
    bar.stop();
  }
  const report = reports.length > 1 ? averageColdReports(reports) : reports[0];
  out(args.json ? JSON.stringify(report) : reportTable(report));
  return 0;
}

/** Ids separated by white space; each must be an item the catalog or --items knows, or its line is named. */
export function readColdIds(file: string, known: (id: string) => boolean): string[] {
  const ids: string[] = [];
  readText(file).split(/\r?\n/).forEach((line, k) => {
    for (const id of line.split(/\s+/).filter(Boolean)) {
      if (!known(id)) throw new DataFormatError(file, k + 1, `item "${id}" is in neither movies.csv nor --items`);
      ids.push(id);
    }
  });
  if (ids.length === 0) throw new DataFormatError(file, undefined, "lists no item ids");
  return ids;
}

/** The real cold items are removed first, so validation never sees a rating of theirs. `fold`: pickColdItems'. */
export function validationData(trainRows: readonly InteractionRow[], coldIds: readonly string[], how: ColdRule, fold = 0): ColdData {
  const cold = new Set(coldIds);
  const warm = trainRows.filter((r) => !cold.has(r.item));
  return coldData(warm, warm, pickColdItems(warm, how, undefined, fold));
}

function foldCount(raw: string, validate: string | undefined): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`--folds must be a whole number >= 1, got "${raw}"`);
  if (n > 1 && validate !== "random") throw new InputError("--folds needs --validate random: only the random rule draws more than one carve-out");
  return n;
}

export function coldRule(raw: string): ColdRule {
  if (raw === "newest" || raw === "random") return raw;
  throw new InputError(`--validate must be newest or random, got "${raw}"`);
}

export function coldContentOf(raw: string | undefined): ColdContent {
  if (raw === undefined || raw === "metadata" || raw === "all" || raw === "text") return raw ?? "all";
  throw new InputError(`--cold-content must be metadata, all or text, got "${raw}"`);
}

function rankingOf(raw: string | undefined): ColdRanking {
  if (raw === undefined || raw === "cold" || raw === "all") return raw ?? "cold";
  throw new InputError(`--rank must be cold or all, got "${raw}"`);
}

function nonNegativeNumber(raw: string, flag: string): number {
  const x = Number(raw);
  if (!(x >= 0) || !Number.isFinite(x)) throw new InputError(`${flag} must be a number >= 0, got "${raw}"`);
  return x;
}

function positiveNumber(raw: string, flag: string): number {
  const x = Number(raw);
  if (!(x > 0) || !Number.isFinite(x)) throw new InputError(`${flag} must be a positive number, got "${raw}"`);
  return x;
}

/**
 * What is known of an item: title, year, genres and any description (no tags), movies.csv's with what --items
 * gives of it on top. An item onboarded without genres gets them from its text inside onboarding (LLM when
 * configured, else the catalog-vocabulary extractor built from the warm catalog), as in the service.
 */
export function onboardingContent(catalog: Catalog, overrides: ReadonlyMap<string, Item>): (id: string) => Item {
  return (id) => {
    const base = catalog.get(id);
    const given = overrides.get(id);
    const title = given?.title ?? base?.title ?? id;
    const genres = given?.genres.length ? given.genres : (base?.genres ?? []);
    const attributes = given?.attributes ?? base?.attributes;
    return { id, title, year: given?.year ?? base?.year, genres, tags: [], text: given?.text ?? base?.text, ...(attributes && { attributes }) };
  };
}

function reportTable(r: ColdReport): string {
  const mixed = r.ranking === "all";
  const row = (name: string, m: ColdReport["metrics"]) => {
    const cells = [name, fixed(m["recall@20"]), fixed(m["ndcg@20"]), fixed(m["hit@20"])];
    return mixed ? [...cells, fixed((m as MixedMetrics)["cold_share@20"]), fixed((m as MixedMetrics)["cold_coverage@20"])] : cells;
  };
  const what = mixed ? "P2 mixed (cold items among all items)" : "P2 cold-start items";
  const folds = r.folds ? [`mean of ${r.folds.length} validation carve-outs; onboarding recall@20 in each: ${r.folds.map((m) => fixed(m["recall@20"])).join(", ")}`] : [];
  return [
    `${what}, ${r.model}: ${fixed(r.test_users, 0)} test users, ${fixed(r.cold_items, 0)} cold items, ${fixed(r.warm_items, 0)} warm items (model fit ${fixed(r.fit_s, 1)} s, content map ${fixed(r.map_fit_s, 1)} s)`,
    ...folds,
    formatTable(["method", "recall@20", "ndcg@20", "hit@20", ...(mixed ? ["cold_share@20", "cold_coverage@20"] : [])], [
      row("random", r.baselines.random),
      row("genre affinity", r.baselines.genre_affinity),
      row("onboarding (content map)", r.metrics),
    ]),
  ].join("\n");
}
