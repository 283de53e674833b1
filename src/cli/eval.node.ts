import { InputError } from "../core/errors.ts";
import type { Catalog } from "../data/catalog.ts";
import { loadDataset, readSplitFile } from "../data/files.node.ts";
import { splitByUser } from "../data/split.ts";
import { type P1Data, p1Data } from "../eval/p1.ts";
import { evaluateTopN, type TopNReport } from "../eval/topn.ts";
import { RECOMMENDERS, recommenderSpec } from "../models/registry.ts";
import { resolveParams } from "../models/spec.ts";
import { parseCommand, parseRecency, parseSets, parseWeight } from "./args.node.ts";
import { progressBar } from "./progress.node.ts";
import { fixed, formatTable } from "./table.ts";

export const EVAL_USAGE = `usage: recagent eval (--train FILE --test FILE | --dataset NAME|DIR) (--model NAME | --models A,B,...)
                     [--set key=value]... [--weight binary|log] [--recency TAU[,FLOOR]] [--json]
  Protocol P1: full ranking of every train item for each test user; K = 10 and 20.
  --dataset     bundled name (ml-latest-small) or a MovieLens directory; the P1 split is made from its ratings
  --train/--test split files: user, item, value, timestamp; tab-separated, no header
  --models all  every model
  --set         model parameter (with several models: model.key=value); unset ones take the defaults
  --recency     weight each history event by max(FLOOR, exp(-age / TAU)), age 0 = the newest (FLOOR 0.05)
  --json        one JSON line per model on stdout
  models: ${Object.keys(RECOMMENDERS).join(", ")}`;

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
    json: { type: "boolean", default: false },
  }, EVAL_USAGE);
  const names = args.models === "all" ? Object.keys(RECOMMENDERS) : (args.models ?? args.model ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new InputError(`name a model with --model or --models\n\n${EVAL_USAGE}`);
  const specs = names.map(recommenderSpec);
  const paramsOf = names.map((name, k) => resolveParams(specs[k], parseSets(args.set, name, names)));
  const { data, catalog } = loadP1(args, parseWeight(args.weight));
  const genresOf = catalog && genreLookup(catalog, data);
  const recency = parseRecency(args.recency);

  const reports: TopNReport[] = [];
  for (const [k, spec] of specs.entries()) {
    const bar = progressBar(`fit ${spec.name}`, !args.json);
    const report = await evaluateTopN(spec, paramsOf[k], data, { genresOf, onProgress: bar.update, recency });
    bar.stop();
    reports.push(report);
    if (args.json) out(JSON.stringify(report));
  }
  if (!args.json) out(reportTable(reports));
  return 0;
}

function loadP1(args: { train?: string; test?: string; dataset?: string }, weight: ReturnType<typeof parseWeight>): { data: P1Data; catalog?: Catalog } {
  if (args.dataset !== undefined) {
    if (args.train || args.test) throw new InputError("use either --dataset or --train/--test, not both");
    const dataset = loadDataset(args.dataset);
    const split = splitByUser(dataset.rows);
    return { data: p1Data(split.train, split.test, weight), catalog: dataset.catalog };
  }
  if (!args.train || !args.test) throw new InputError(`give --train and --test split files, or --dataset\n\n${EVAL_USAGE}`);
  return { data: p1Data(readSplitFile(args.train), readSplitFile(args.test), weight) };
}

function genreLookup(catalog: Catalog, data: P1Data): (item: number) => ReadonlySet<string> {
  const sets = data.train.items.toArray().map((id) => new Set(catalog.get(id)?.genres ?? []));
  return (item) => sets[item];
}

function reportTable(reports: readonly TopNReport[]): string {
  const header = ["model", "ndcg@10", "recall@10", "prec@10", "hit@10", "mrr@10", "ndcg@20", "recall@20", "cov@10", "novelty", "tail@10", "ild@10", "fit s", "rec s"];
  const rows = reports.map((r) => [
    r.model,
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
