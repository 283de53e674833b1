import { InputError } from "../core/errors.ts";
import { loadDataset, readSplitFile } from "../data/files.node.ts";
import { splitByUser } from "../data/split.ts";
import { p1Data } from "../eval/p1.ts";
import { evaluateTopN, type TopNReport } from "../eval/topn.ts";
import { chooseRecipe, DEFAULT_TUNE_BUDGET_SECONDS } from "../eval/tuning/choose.ts";
import { describeRecipe } from "../eval/tuning/recipe.ts";
import type { InteractionRow } from "../core/types.ts";
import type { Params } from "../models/recommender.ts";
import { RECOMMENDERS, recommenderSpec } from "../models/registry.ts";
import { resolveParams } from "../models/spec.ts";
import { parseBudget, parseCommand, parseSets, parseWeight, required } from "./args.node.ts";
import { progressBar } from "./progress.node.ts";
import { fixed, formatTable } from "./table.ts";

export const TUNE_USAGE = `usage: recagent tune (--dataset NAME|DIR | --train FILE) --model NAME [--grid key=v1,v2,...]...
                     [--set key=value]... [--metric ndcg@10] [--weight binary|log|bm25] [--json]
       recagent tune (--dataset NAME|DIR | --train FILE) --model auto|NAME --tune-budget SECONDS [--metric ndcg@10] [--weight W] [--json]
  Search on a validation split carved from the TRAIN part only (per user, the last 20% of their train rows by
  time), never on test. --dataset first makes the P1 split and tunes on its train part.
  Grid search: without --grid, the model's own grid (the one its defaults were chosen from) is searched.
  With --model auto or --tune-budget: the search recagent train runs (successive halving over the model, or every
  model for auto, its parameters, the value weighting and the recency weighting; default budget ${DEFAULT_TUNE_BUDGET_SECONDS} s);
  --json prints its whole report as one line.
  models: ${Object.keys(RECOMMENDERS).join(", ")}, auto (with --tune-budget)`;

export async function tuneCommand(argv: string[], out: (line: string) => void): Promise<number> {
  const args = parseCommand(argv, {
    dataset: { type: "string" },
    train: { type: "string" },
    model: { type: "string" },
    grid: { type: "string", multiple: true },
    set: { type: "string", multiple: true },
    metric: { type: "string", default: "ndcg@10" },
    weight: { type: "string" },
    "tune-budget": { type: "string" },
    json: { type: "boolean", default: false },
  }, TUNE_USAGE);
  const name = required(args.model, "--model", TUNE_USAGE);
  if (name === "auto" || args["tune-budget"] !== undefined) {
    if (args.grid?.length || args.set?.length) throw new InputError("--grid and --set belong to the grid search; --model auto and --tune-budget run the budgeted search: give one or the other");
    return tuneWithBudget(trainRowsOf(args), { ...args, model: name }, out);
  }
  const spec = recommenderSpec(name);
  const fixedParams = parseSets(args.set, name, [name]);
  const grid = args.grid?.length ? parseGrid(args.grid) : spec.grid;
  if (!grid) throw new InputError(`model ${name} has no default grid; give one with --grid key=v1,v2 (parameters: ${Object.keys(spec.params).join(", ") || "none"}) or search with --tune-budget SECONDS`);
  const validation = splitByUser(trainRowsOf(args));
  const data = p1Data(validation.train, validation.test, parseWeight(args.weight));

  const points = gridPoints(grid).map((point) => resolveParams(spec, { ...fixedParams, ...point }));
  const bar = progressBar(`tune ${name}`, !args.json);
  const reports: TopNReport[] = [];
  for (const [k, params] of points.entries()) {
    bar.update(k, points.length);
    const report = await evaluateTopN(spec, params, data);
    if (!(args.metric in report.metrics)) throw new InputError(`unknown --metric ${args.metric}; valid: ${Object.keys(report.metrics).join(", ")}`);
    reports.push(report);
    if (args.json) out(JSON.stringify({ split: "validation", ...report }));
  }
  bar.update(points.length, points.length);
  bar.stop();
  const ranked = [...reports].sort((a, b) => b.metrics[args.metric] - a.metrics[args.metric]);
  if (args.json) out(JSON.stringify({ best: ranked[0].params, metric: args.metric, value: ranked[0].metrics[args.metric] }));
  else {
    const keys = Object.keys(grid);
    out(`validation split: ${data.testUsers.length} users, ${validation.train.length} train / ${validation.test.length} held-out rows`);
    out(formatTable([...keys, args.metric, "recall@10", "fit s"], ranked.map((r) => [...keys.map((key) => String(r.params[key])), fixed(r.metrics[args.metric]), fixed(r.metrics["recall@10"]), fixed(r.fit_s, 2)])));
    out(`best: ${Object.entries(ranked[0].params).map(([k, v]) => `${k}=${v}`).join(" ")}`);
  }
  return 0;
}

function trainRowsOf(args: { dataset?: string; train?: string }): InteractionRow[] {
  if (Boolean(args.dataset) === Boolean(args.train)) throw new InputError(`give exactly one of --dataset or --train\n\n${TUNE_USAGE}`);
  return args.dataset ? splitByUser(loadDataset(args.dataset).rows).train : readSplitFile(args.train!);
}

/** The budgeted search of recagent train, printed: each model's best and its defaults, then the choice. */
async function tuneWithBudget(rows: InteractionRow[], args: { model: string; metric: string; weight?: string; "tune-budget"?: string; json: boolean }, out: (line: string) => void): Promise<number> {
  const budget = parseBudget(args["tune-budget"], DEFAULT_TUNE_BUDGET_SECONDS);
  const bar = progressBar("tune (est. s)", !args.json);
  const { recipe, report } = await chooseRecipe(rows, {
    budgetSeconds: budget,
    models: args.model === "auto" ? undefined : [args.model],
    metric: args.metric,
    weightings: args.weight === undefined ? undefined : [parseWeight(args.weight)],
    onProgress: (done, total) => bar.update(Math.round(done), Math.round(total)),
  });
  bar.stop();
  if (args.json) {
    out(JSON.stringify(report));
    return 0;
  }
  const v = report.validation;
  out(`validation split: ${v.users} users, ${v.trainRows} train / ${v.heldOutRows} held-out rows; ${report.trials.length} trials in ${report.elapsedSeconds.toFixed(1)} s (budget ${budget} s)`);
  if (report.fallback) out(report.fallback);
  const defaults = new Map(report.defaults.map((d) => [d.model, d.metric]));
  const params = (p: Params) => Object.entries(p).map(([k, v]) => `${k}=${v}`).join(" ");
  const recency = (r: { tau: number; floor: number }) => (r.tau > 0 ? `tau ${r.tau} floor ${r.floor}` : "off");
  out(formatTable(
    ["model", "best params", "weighting", "recency", report.metric, `defaults ${report.metric}`],
    report.best.map((b) => [b.model, params(b.params), b.weighting, recency(b.recency), fixed(b.metric), fixed(defaults.get(b.model))]),
  ));
  for (const [model, why] of Object.entries(report.skipped)) out(`skipped ${model}: ${why}`);
  out(`chosen: ${describeRecipe(recipe)} (validation ${report.metric} ${fixed(report.chosen.metric)} on ${report.chosen.users} users)`);
  return 0;
}

function parseGrid(entries: readonly string[]): Record<string, number[]> {
  const grid: Record<string, number[]> = {};
  for (const entry of entries) {
    const eq = entry.indexOf("=");
    const values = entry.slice(eq + 1).split(",").map(Number);
    if (eq <= 0 || values.some((v) => !Number.isFinite(v))) throw new InputError(`--grid expects key=v1,v2,... with numbers, got "${entry}"`);
    grid[entry.slice(0, eq)] = values;
  }
  return grid;
}

function gridPoints(grid: Readonly<Record<string, readonly number[]>>): Params[] {
  return Object.entries(grid).reduce<Params[]>(
    (points, [key, values]) => points.flatMap((p) => values.map((v) => ({ ...p, [key]: v }))),
    [{}],
  );
}
