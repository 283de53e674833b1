import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildModelFiles } from "../entry/artifacts.node.ts";
import { publishNewBuild } from "../entry/model-versions.node.ts";
import { objectStoreFor } from "../store/store-location.node.ts";
import { resolveParams } from "../models/spec.ts";
import { InputError } from "../core/errors.ts";
import { loadDataset, loadInteractionFiles } from "../data/files.node.ts";
import { DEFAULT_TUNE_BUDGET_SECONDS } from "../eval/tuning/choose.ts";
import { describeRecipe } from "../eval/tuning/recipe.ts";
import { describeTuning, savedModelOf, trainModel } from "../eval/tuning/train-model.ts";
import { RECOMMENDERS, recommenderSpec } from "../models/registry.ts";
import { parseBudget, parseCommand, parseRecency, parseSets, parseWeight, required } from "./args.node.ts";
import { writeModelDir } from "./model-dir.node.ts";
import { trainingProgress } from "./progress.node.ts";

export const TUNING_REPORT = "tuning-report.json";

export const TRAIN_USAGE = `usage: recagent train (--dataset NAME|DIR | --interactions FILE [--items FILE]) --model auto|NAME (--out DIR | --publish STORE)
                      [--tune-budget SECONDS] [--no-tune [--set key=value]... [--recency TAU[,FLOOR]]] [--weight binary|log|bm25]
  Fits on every interaction of the data set and writes DIR/model.json, model.bin and items.json.
  --publish STORE (a folder or s3://bucket/prefix) builds what a replica serves instead (the model, a companion
  factor model when it has no item vectors, the content map, the unrated catalog items onboarded) and publishes it
  as a new model version, made current last; replicas serving the store (recagent serve --store) swap it in.
  Unless --no-tune, first chooses on a validation split carved from the data (each user's last 20% of rows), within
  --tune-budget seconds (default ${DEFAULT_TUNE_BUDGET_SECONDS}): with --model auto the model (or a blend of two), with a named model its
  parameters; and for both the value weighting (binary, log or bm25 when values are counts; --weight fixes it)
  and the recency weighting of histories. The search is written to DIR/${TUNING_REPORT}.
  --no-tune     the model's defaults (and --set, --recency) as given
  models: ${Object.keys(RECOMMENDERS).join(", ")}, auto`;

export async function trainCommand(argv: string[], out: (line: string) => void): Promise<number> {
  const args = parseCommand(argv, {
    dataset: { type: "string" },
    interactions: { type: "string" },
    items: { type: "string" },
    model: { type: "string" },
    set: { type: "string", multiple: true },
    weight: { type: "string" },
    recency: { type: "string" },
    "tune-budget": { type: "string" },
    "no-tune": { type: "boolean", default: false },
    out: { type: "string" },
    publish: { type: "string" },
  }, TRAIN_USAGE);
  const name = required(args.model, "--model", TRAIN_USAGE);
  if (args.out !== undefined && args.publish !== undefined) throw new InputError(`give --out DIR or --publish STORE, not both\n\n${TRAIN_USAGE}`);
  const outDir = args.publish === undefined ? required(args.out, "--out", TRAIN_USAGE) : "";
  const tune = !args["no-tune"];
  if (name === "auto" && !tune) throw new InputError("--model auto chooses the model by tuning; with --no-tune name the model (e.g. --model ease)");
  if (name !== "auto") recommenderSpec(name);
  if (tune && args.set?.length) throw new InputError("--set fixes parameters by hand: add --no-tune (tuning chooses them itself)");
  if (tune && args.recency !== undefined) throw new InputError("--recency fixes the recency weighting by hand: add --no-tune (tuning chooses it itself)");
  if (!tune && args["tune-budget"] !== undefined) throw new InputError("--tune-budget has no effect with --no-tune: drop one of them");
  const budget = parseBudget(args["tune-budget"], DEFAULT_TUNE_BUDGET_SECONDS);
  const weight = args.weight === undefined ? undefined : parseWeight(args.weight);
  if (Boolean(args.dataset) === Boolean(args.interactions)) throw new InputError(`give exactly one of --dataset or --interactions\n\n${TRAIN_USAGE}`);
  const dataset = args.dataset ? loadDataset(args.dataset) : loadInteractionFiles(args.interactions!, args.items);
  const overrides = parseSets(args.set, name, [name]);
  const recency = parseRecency(args.recency);
  if (args.publish !== undefined) {
    const store = objectStoreFor(args.publish, process.env);
    const source = args.dataset ?? `${resolve(args.interactions!)}${args.items ? `+${resolve(args.items)}` : ""}`;
    const params = tune ? {} : resolveParams(recommenderSpec(name), overrides);
    const pointer = await publishNewBuild(store, (dir) => buildModelFiles({ source, load: () => dataset, model: name, tune, tuneBudget: budget, overrides, weighting: weight, recency, params }, dir, out), () => {});
    out(`published model version ${pointer.version} (${pointer.chosen}) to ${store.url}; it is current`);
    return 0;
  }

  const { stop, ...progress } = trainingProgress(name, tune);
  const { recipe, tuning, data, model, fitSeconds: seconds } = await trainModel(dataset.rows, {
    model: name,
    tune,
    budgetSeconds: budget,
    weighting: weight,
    overrides,
    recency,
    catalog: dataset.catalog,
    ...progress,
  });
  stop();
  writeModelDir(outDir, savedModelOf(model, data, recipe.recency), data.items.toArray().map((id) => dataset.catalog.get(id)));
  if (tuning) writeFileSync(join(outDir, TUNING_REPORT), `${JSON.stringify(tuning, null, 1)}\n`);
  out(`trained ${recipe.model} on ${data.userCount} users x ${data.itemCount} items (${dataset.rows.length} rows) in ${seconds.toFixed(2)} s; saved to ${outDir}`);
  out(`model: ${describeRecipe(recipe)}`);
  if (tuning) out(`tuning: ${describeTuning(tuning)}; report in ${join(outDir, TUNING_REPORT)}`);
  return 0;
}
