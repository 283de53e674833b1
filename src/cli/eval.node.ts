import { InputError } from "../core/errors.ts";
import type { InteractionRow } from "../core/types.ts";
import type { Catalog } from "../data/catalog.ts";
import { loadDataset, readSplitFile } from "../data/files.node.ts";
import type { ValueTransform } from "../data/interactions.ts";
import { splitByUser } from "../data/split.ts";
import { type P1Data, p1Data } from "../eval/p1.ts";
import { evaluateTopN, scoreTopN, type TopNOptions, type TopNReport } from "../eval/topn.ts";
import { chooseRecipe, DEFAULT_TUNE_BUDGET_SECONDS } from "../eval/tuning/choose.ts";
import { buildRecipe, describeRecipe, type ModelChoice } from "../eval/tuning/recipe.ts";
import type { Recency } from "../models/recency.ts";
import type { EpochReport } from "../models/recommender.ts";
import { RECOMMENDERS, recommenderSpec } from "../models/registry.ts";
import { resolveParams } from "../models/spec.ts";
import { parseBudget, parseCommand, parseRecency, parseSets, parseWeight } from "./args.node.ts";
import { progressBar } from "./progress.node.ts";
import { fixed, formatTable } from "./table.ts";

/** The model name that tunes on validation instead of naming a model. */
const AUTO = "auto";

export const EVAL_USAGE = `usage: recagent eval (--train FILE --test FILE | --dataset NAME|DIR) (--model NAME | --models A,B,...)
                     [--set key=value]... [--weight binary|log|bm25] [--recency TAU[,FLOOR]] [--tune-budget SECONDS] [--json]
  Protocol P1: full ranking of every train item for each test user; K = 10 and 20.
  --dataset     bundled name (ml-latest-small) or a MovieLens directory; the P1 split is made from its ratings
  --train/--test split files: user, item, value, timestamp; tab-separated, no header
  --models all  every model
  --model auto  choose the model (or a blend of two), its parameters, the value weighting and the recency
                weighting on a validation split carved from train (each user's last 20%), within --tune-budget
                seconds (default ${DEFAULT_TUNE_BUDGET_SECONDS}); then fit the choice on all of train and evaluate it on test
  --set         model parameter (with several models: model.key=value); unset ones take the defaults
  --weight      how values become weights: binary (default), log (1 + ln(1 + value)) or bm25, for counts
  --recency     weight each history event by max(FLOOR, exp(-age / TAU)), age 0 = the newest (FLOOR 0.05)
  --json        one JSON line per model on stdout (for auto: what it chose, and the tuning summary)
  models: ${Object.keys(RECOMMENDERS).join(", ")}, ${AUTO}`;

/** What `--model auto` adds to the P1 report: what it chose and how. */
interface AutoReport extends TopNReport {
  parts?: readonly [ModelChoice, ModelChoice];
  weighting: ValueTransform;
  recency: Recency;
  tuning: {
    budget_s: number;
    seconds: number;
    trials: number;
    metric: string;
    /** The choice's validation metric, and each model's defaults' (no recency) on the same users. */
    validation: number;
    validation_defaults: Record<string, number>;
    validation_users: number;
    chosen: string;
  };
}

export async function evalCommand(argv: string[], out: (line: string) => void): Promise<number> {
  const args = parseCommand(argv, {
    train: { type: "string" },
    test: { type: "string" },
    dataset: { type: "string" },
    model: { type: "string" },
    models: { type: "string" },
    set: { type: "string", multiple: true },
    weight: { type: "string" },
    recency: { type: "string" },
    "tune-budget": { type: "string" },
    json: { type: "boolean", default: false },
  }, EVAL_USAGE);
  const names = args.models === "all" ? Object.keys(RECOMMENDERS) : (args.models ?? args.model ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new InputError(`name a model with --model or --models\n\n${EVAL_USAGE}`);
  const auto = names.includes(AUTO);
  if (auto && args.recency !== undefined) throw new InputError("--model auto chooses the recency weighting on validation: drop --recency (or name a model to fix it by hand)");
  if (!auto && args["tune-budget"] !== undefined) throw new InputError("--tune-budget applies to --model auto only");
  const budget = parseBudget(args["tune-budget"], DEFAULT_TUNE_BUDGET_SECONDS);
  const paramsOf = new Map(names.map((name) => {
    const sets = parseSets(args.set, name, names);
    if (name === AUTO) {
      if (Object.keys(sets).length > 0) throw new InputError("--set does not apply to --model auto: it chooses the parameters on validation");
      return [name, {}];
    }
    return [name, resolveParams(recommenderSpec(name), sets)];
  }));
  const weight = args.weight === undefined ? undefined : parseWeight(args.weight);
  const recency = parseRecency(args.recency);
  const { trainRows, testRows, catalog } = loadRows(args);
  const splits = new Map<ValueTransform, P1Data>();
  const dataFor = (w: ValueTransform) => {
    let d = splits.get(w);
    if (!d) splits.set(w, (d = p1Data(trainRows, testRows, w)));
    return d;
  };
  const optionsFor = (data: P1Data): TopNOptions => ({
    genresOf: catalog && genreLookup(catalog, data),
    items: catalog && data.train.items.toArray().map((id) => catalog.get(id)),
  });

  const reports: TopNReport[] = [];
  for (const name of names) {
    let report: TopNReport;
    if (name === AUTO) report = await evaluateAuto(trainRows, dataFor, optionsFor, { budget, weight, quiet: args.json });
    else {
      const data = dataFor(weight ?? "binary");
      const bar = progressBar(`fit ${name}`, !args.json);
      const epochs: EpochReport[] = [];
      const onEpoch = (e: EpochReport) => {
        epochs.push(e);
        if (!args.json) process.stderr.write(`${describeEpoch(e)}\n`);
      };
      report = await evaluateTopN(recommenderSpec(name), paramsOf.get(name)!, data, { ...optionsFor(data), onProgress: bar.update, recency, onEpoch, cpuClock: processCpuSeconds });
      bar.stop();
      if (epochs.length > 0) report = { ...report, epochs } as TopNReport & { epochs: EpochReport[] };
    }
    reports.push(report);
    if (args.json) out(JSON.stringify(report));
  }
  if (!args.json) out(reportTable(reports));
  return 0;
}

/** Tunes on validation carved from the train rows only, fits the choice on all of train, evaluates on test. */
async function evaluateAuto(
  trainRows: readonly InteractionRow[],
  dataFor: (w: ValueTransform) => P1Data,
  optionsFor: (data: P1Data) => TopNOptions,
  o: { budget: number; weight?: ValueTransform; quiet: boolean },
): Promise<AutoReport> {
  const tuneBar = progressBar("tune (est. s)", !o.quiet);
  const { recipe, report: tuning } = await chooseRecipe(trainRows, { budgetSeconds: o.budget, weightings: o.weight && [o.weight], onProgress: (done, total) => tuneBar.update(Math.round(done), Math.round(total)) });
  tuneBar.stop();
  const data = dataFor(recipe.weighting);
  const model = buildRecipe(recipe);
  const fitBar = progressBar(`fit ${recipe.model}`, !o.quiet);
  const t0 = performance.now();
  await model.fit(data.train, { onProgress: fitBar.update });
  const fit_s = (performance.now() - t0) / 1000;
  fitBar.stop();
  const { model: name, params, users, items, rec_s, metrics, beyond } = scoreTopN(model, data, { ...optionsFor(data), recency: recipe.recency });
  return {
    model: name,
    params,
    ...(recipe.parts ? { parts: recipe.parts } : {}),
    weighting: recipe.weighting,
    recency: recipe.recency,
    users,
    items,
    fit_s,
    rec_s,
    metrics,
    beyond,
    tuning: {
      budget_s: o.budget,
      seconds: tuning.elapsedSeconds,
      trials: tuning.trials.length,
      metric: tuning.metric,
      validation: tuning.chosen.metric,
      validation_defaults: Object.fromEntries(tuning.defaults.map((d) => [d.model, d.metric])),
      validation_users: tuning.chosen.users,
      chosen: describeRecipe(recipe),
    },
  };
}

/** User plus system CPU seconds of this process. */
function processCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

function describeEpoch(e: EpochReport): string {
  const validation = e.validation === undefined ? "" : ` validation ndcg@10 ${e.validation.toFixed(4)}`;
  const cpu = e.cpuSeconds === undefined ? "" : ` (cpu ${e.cpuSeconds.toFixed(2)} s)`;
  return `${e.phase} epoch ${e.epoch}: loss ${e.loss.toFixed(4)}${validation}, ${e.seconds.toFixed(2)} s${cpu}`;
}

function loadRows(args: { train?: string; test?: string; dataset?: string }): { trainRows: InteractionRow[]; testRows: InteractionRow[]; catalog?: Catalog } {
  if (args.dataset !== undefined) {
    if (args.train || args.test) throw new InputError("use either --dataset or --train/--test, not both");
    const dataset = loadDataset(args.dataset);
    const split = splitByUser(dataset.rows);
    return { trainRows: split.train, testRows: split.test, catalog: dataset.catalog };
  }
  if (!args.train || !args.test) throw new InputError(`give --train and --test split files, or --dataset\n\n${EVAL_USAGE}`);
  return { trainRows: readSplitFile(args.train), testRows: readSplitFile(args.test) };
}

function genreLookup(catalog: Catalog, data: P1Data): (item: number) => ReadonlySet<string> {
  const sets = data.train.items.toArray().map((id) => new Set(catalog.get(id)?.genres ?? []));
  return (item) => sets[item];
}

function reportTable(reports: readonly TopNReport[]): string {
  const header = ["model", "ndcg@10", "recall@10", "prec@10", "hit@10", "mrr@10", "ndcg@20", "recall@20", "cov@10", "novelty", "tail@10", "ild@10", "fit s", "rec s"];
  const rows = reports.map((r) => [
    "tuning" in r ? `auto: ${r.model}` : r.model,
    ...["ndcg@10", "recall@10", "precision@10", "hit@10", "mrr@10", "ndcg@20", "recall@20", "coverage@10"].map((m) => fixed(r.metrics[m])),
    fixed(r.beyond.novelty, 2),
    fixed(r.beyond["long_tail@10"], 3),
    fixed(r.beyond["genre_ild@10"], 3),
    fixed(r.fit_s, 2),
    fixed(r.rec_s, 3),
  ]);
  const first = reports[0];
  return `P1 on ${first.users} test users, ${first.items} candidate items\n${formatTable(header, rows)}`;
}
