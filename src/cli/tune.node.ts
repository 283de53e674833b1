import { InputError } from "../core/errors.ts";
import { loadDataset, readSplitFile } from "../data/files.node.ts";
import { splitByUser } from "../data/split.ts";
import { p1Data } from "../eval/p1.ts";
import { evaluateTopN, type TopNReport } from "../eval/topn.ts";
import type { Params } from "../models/recommender.ts";
import { RECOMMENDERS, recommenderSpec } from "../models/registry.ts";
import { resolveParams } from "../models/spec.ts";
import { parseCommand, parseSets, parseWeight, required } from "./args.node.ts";
import { progressBar } from "./progress.node.ts";
import { fixed, formatTable } from "./table.ts";

export const TUNE_USAGE = `usage: recagent tune (--dataset NAME|DIR | --train FILE) --model NAME [--grid key=v1,v2,...]...
                     [--set key=value]... [--metric ndcg@10] [--weight binary|log] [--json]
  Grid search on a validation split carved from the TRAIN part only (per user, the last 20% of their
  train rows by time), never on test. --dataset first makes the P1 split and tunes on its train part.
  Without --grid, the model's own grid (the one its defaults were chosen from) is searched.
  models: ${Object.keys(RECOMMENDERS).join(", ")}`;

export async function tuneCommand(argv: string[], out: (line: string) => void): Promise<number> {
  const args = parseCommand(argv, {
    dataset: { type: "string" },
    train: { type: "string" },
    model: { type: "string" },
    grid: { type: "string", multiple: true },
    set: { type: "string", multiple: true },
    metric: { type: "string", default: "ndcg@10" },
    weight: { type: "string" },
    json: { type: "boolean", default: false },
  }, TUNE_USAGE);
  const name = required(args.model, "--model", TUNE_USAGE);
  const spec = recommenderSpec(name);
  const fixedParams = parseSets(args.set, name, [name]);
  const grid = args.grid?.length ? parseGrid(args.grid) : spec.grid;
  if (!grid) throw new InputError(`model ${name} has no default grid; give one with --grid key=v1,v2 (parameters: ${Object.keys(spec.params).join(", ") || "none"})`);
  if (Boolean(args.dataset) === Boolean(args.train)) throw new InputError(`give exactly one of --dataset or --train\n\n${TUNE_USAGE}`);
  const trainRows = args.dataset ? splitByUser(loadDataset(args.dataset).rows).train : readSplitFile(args.train!);
  const validation = splitByUser(trainRows);
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
