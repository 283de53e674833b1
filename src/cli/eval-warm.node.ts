import { InputError } from "../core/errors.ts";
import type { Item } from "../core/types.ts";
import { loadDataset, readSplitFile, readText } from "../data/files.node.ts";
import { parseItems } from "../data/generic.ts";
import { coldData, type ColdMetrics } from "../eval/cold.ts";
import { DEFAULT_PRIOR_USERS } from "../agent/warming.ts";
import { evaluateWarming, type WarmingReport } from "../eval/warming.ts";
import { recommenderSpec } from "../models/registry.ts";
import { resolveParams } from "../models/spec.ts";
import { parseCommand, parseSets, required } from "./args.node.ts";
import { coldContentOf, coldRule, onboardingContent, readColdIds, validationData } from "./eval-cold.node.ts";
import { progressBar } from "./progress.node.ts";
import { fixed, formatTable } from "./table.ts";

export const EVAL_WARM_USAGE = `usage: recagent eval-warm --movielens DIR --train FILE --cold FILE [--model als|bpr|sasrec|twotower] [--items FILE] [--cold-content metadata|all|text]
                          [--validate newest|random [--fold K]] [--reveal N,N...] [--prior K,K...] [--set key=value]... [--json]
  How fast an onboarded item's interactions take over from its content (the service's ItemWarming):
  P2's cold items are onboarded from their content, then the first N users who rated each one send feedback,
  and the cold items are ranked among themselves for every user again (recall@20, ndcg@20), on each item's
  ratings after its first N: served at content alone, with warming, and by an ALS retrained with those pairs.
  --model      the model whose item space onboarded items live in: als (default), bpr, sasrec or twotower (models with ItemEvidence)
  --reveal     raters revealed per cold item, one evaluation each (default 1,3,10,20)
  --prior      ItemWarming's prior_users values to compare: how many users' worth the content vector counts
               for (default ${DEFAULT_PRIOR_USERS},5,20)
  --validate   choose --prior without the cold items: pseudo-cold items carved from the warm train rows
  --fold       with --validate random, which carve-out (default 0; k: the largest crc32 of "k:" + id, as eval-cold --folds)
  --movielens, --train, --cold, --items, --cold-content, --set: as for eval-cold (the reference is ALS at its defaults)
  --json       one JSON line: cold_items, fit_s, levels [{ revealed, test_users, scored_items, content, warming
               [{ prior_users, metrics }], retrain }]; retrain: ALS retrained with the revealed pairs (no content)`;

export async function evalWarmCommand(argv: string[], out: (line: string) => void): Promise<number> {
  const args = parseCommand(argv, {
    movielens: { type: "string" },
    train: { type: "string" },
    cold: { type: "string" },
    items: { type: "string" },
    "cold-content": { type: "string" },
    validate: { type: "string" },
    reveal: { type: "string" },
    prior: { type: "string" },
    model: { type: "string" },
    fold: { type: "string" },
    set: { type: "string", multiple: true },
    json: { type: "boolean", default: false },
  }, EVAL_WARM_USAGE);
  const spec = recommenderSpec(args.model ?? "als");
  const params = resolveParams(spec, parseSets(args.set, spec.name, [spec.name]));
  const revealed = numberList(args.reveal ?? "1,3,10,20", "--reveal", (x) => Number.isInteger(x) && x >= 1);
  const priorUsers = numberList(args.prior ?? `${DEFAULT_PRIOR_USERS},5,20`, "--prior", (x) => x > 0 && Number.isFinite(x));
  const content = coldContentOf(args["cold-content"] ?? "metadata");
  const dataset = loadDataset(required(args.movielens, "--movielens", EVAL_WARM_USAGE));
  const trainRows = readSplitFile(required(args.train, "--train", EVAL_WARM_USAGE));
  const items = args.items === undefined ? new Map<string, Item>() : new Map(parseItems(readText(args.items), args.items, "jsonl").map((i) => [i.id, i]));
  const coldIds = readColdIds(required(args.cold, "--cold", EVAL_WARM_USAGE), (id) => items.has(id) || dataset.catalog.get(id) !== undefined);
  const validating = args.validate !== undefined;
  if (args.fold !== undefined && args.validate !== "random") throw new InputError("--fold needs --validate random");
  const [fold] = numberList(args.fold ?? "0", "--fold", (x) => Number.isInteger(x) && x >= 0);
  const data = validating ? validationData(trainRows, coldIds, coldRule(args.validate!), fold) : coldData(trainRows, dataset.rows, coldIds);
  const bar = progressBar(`fit ${spec.name}`, !args.json);
  const report = await evaluateWarming(data, validating ? trainRows : dataset.rows, onboardingContent(dataset.catalog, items), { model: spec, revealed, priorUsers, coldContent: content, params, onProgress: bar.update });
  bar.stop();
  out(args.json ? JSON.stringify(report) : reportTable(report));
  return 0;
}

function numberList(raw: string, flag: string, valid: (x: number) => boolean): number[] {
  const xs = raw.split(",").map((s) => Number(s.trim()));
  if (xs.length === 0 || !xs.every(valid)) throw new InputError(`${flag} must be a comma-separated list of valid numbers, got "${raw}"`);
  return xs;
}

const cells = (m: ColdMetrics) => [fixed(m["recall@20"]), fixed(m["ndcg@20"]), fixed(m["hit@20"])];

function reportTable(r: WarmingReport): string {
  const rows = r.levels.flatMap((l) => {
    const at = `${l.revealed} (${l.test_users} users, ${l.scored_items} items)`;
    return [[at, "content alone", ...cells(l.content)], ...l.warming.map((w) => [at, `warming, prior_users ${w.prior_users}`, ...cells(w.metrics)]), [at, "retrained ALS (reference)", ...cells(l.retrain)]];
  });
  return [`P2 warming, ${r.model}: ${r.cold_items} cold items, fit ${fixed(r.fit_s, 1)} s`, formatTable(["raters revealed", "served by", "recall@20", "ndcg@20", "hit@20"], rows, 2)].join("\n");
}
