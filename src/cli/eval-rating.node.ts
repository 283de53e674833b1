import { readSplitFile } from "../data/files.node.ts";
import { Interactions } from "../data/interactions.ts";
import { evaluateRatings } from "../eval/rating.ts";
import { RATING_MODELS, ratingModelSpec } from "../models/registry.ts";
import { resolveParams } from "../models/spec.ts";
import { parseCommand, parseSets, required } from "./args.node.ts";
import { progressBar } from "./progress.node.ts";
import { fixed, formatTable } from "./table.ts";

export const EVAL_RATING_USAGE = `usage: recagent eval-rating --train FILE --test FILE --model NAME [--set key=value]... [--json]
  Protocol P3: fit on the train ratings, predict every test row, report RMSE and MAE.
  models: ${Object.keys(RATING_MODELS).join(", ")}`;

export async function evalRatingCommand(argv: string[], out: (line: string) => void): Promise<number> {
  const args = parseCommand(argv, {
    train: { type: "string" },
    test: { type: "string" },
    model: { type: "string" },
    set: { type: "string", multiple: true },
    json: { type: "boolean", default: false },
  }, EVAL_RATING_USAGE);
  const name = required(args.model, "--model", EVAL_RATING_USAGE);
  const spec = ratingModelSpec(name);
  const params = resolveParams(spec, parseSets(args.set, name, [name]));
  const train = Interactions.fromRows(readSplitFile(required(args.train, "--train", EVAL_RATING_USAGE)), "raw");
  const testRows = readSplitFile(required(args.test, "--test", EVAL_RATING_USAGE));

  const model = spec.create(params);
  const bar = progressBar(`fit ${name}`, !args.json);
  const t0 = performance.now();
  await model.fit(train, { onProgress: bar.update });
  const fit_s = (performance.now() - t0) / 1000;
  bar.stop();
  const result = evaluateRatings(model, train, testRows);
  const report = { model: name, params, fit_s, rmse: result.rmse, mae: result.mae, test_rows: result.test_rows };
  if (args.json) out(JSON.stringify(report));
  else out(formatTable(["model", "rmse", "mae", "test rows", "fit s"], [[name, fixed(report.rmse), fixed(report.mae), String(report.test_rows), fixed(fit_s, 2)]]));
  return 0;
}
