import { InputError } from "../core/errors.ts";
import { loadDataset, loadInteractionFiles } from "../data/files.node.ts";
import { Interactions } from "../data/interactions.ts";
import { RECOMMENDERS, recommenderSpec } from "../models/registry.ts";
import { resolveParams } from "../models/spec.ts";
import { parseCommand, parseSets, parseWeight, required } from "./args.node.ts";
import { writeModelDir } from "./model-dir.node.ts";
import { progressBar } from "./progress.node.ts";

export const TRAIN_USAGE = `usage: recagent train (--dataset NAME|DIR | --interactions FILE [--items FILE]) --model NAME --out DIR
                      [--set key=value]... [--weight binary|log]
  Fits the model on every interaction of the data set and writes DIR/model.json, model.bin and items.json.
  models: ${Object.keys(RECOMMENDERS).join(", ")}`;

export async function trainCommand(argv: string[], out: (line: string) => void): Promise<number> {
  const args = parseCommand(argv, {
    dataset: { type: "string" },
    interactions: { type: "string" },
    items: { type: "string" },
    model: { type: "string" },
    set: { type: "string", multiple: true },
    weight: { type: "string" },
    out: { type: "string" },
  }, TRAIN_USAGE);
  const name = required(args.model, "--model", TRAIN_USAGE);
  const outDir = required(args.out, "--out", TRAIN_USAGE);
  const spec = recommenderSpec(name);
  const params = resolveParams(spec, parseSets(args.set, name, [name]));
  if (Boolean(args.dataset) === Boolean(args.interactions)) throw new InputError(`give exactly one of --dataset or --interactions\n\n${TRAIN_USAGE}`);
  const dataset = args.dataset ? loadDataset(args.dataset) : loadInteractionFiles(args.interactions!, args.items);
  const data = Interactions.fromRows(dataset.rows, parseWeight(args.weight));

  const model = spec.create(params);
  const bar = progressBar(`fit ${name}`, true);
  const t0 = performance.now();
  await model.fit(data, { onProgress: bar.update });
  bar.stop();
  const seconds = (performance.now() - t0) / 1000;
  const items = data.items.toArray();
  writeModelDir(outDir, { artifact: model.toArtifact(), users: data.users.toArray(), items, seen: data.matrix }, items.map((id) => dataset.catalog.get(id)));
  out(`trained ${name} on ${data.userCount} users x ${data.itemCount} items (${dataset.rows.length} rows) in ${seconds.toFixed(2)} s; saved to ${outDir}`);
  return 0;
}
