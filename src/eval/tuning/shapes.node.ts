import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runScript } from "../../cli/args.node.ts";
import { InputError } from "../../core/errors.ts";
import type { InteractionRow } from "../../core/types.ts";
import { loadDataset } from "../../data/files.node.ts";
import { formatSplitRow, splitByUser } from "../../data/split.ts";
import { mulberry32 } from "../../numeric/random.ts";
import { syntheticRows } from "./synthetic.ts";

/**
 * Writes the data shapes the README checks `--model auto` on, each as P1 split files OUT/<name>/train.tsv and
 * test.tsv: `node --import tsx src/eval/tuning/shapes.node.ts OUT`.
 */
const SHAPES: Record<string, () => InteractionRow[]> = {
  counts: () => syntheticRows({ users: 2000, items: 1500, eventsPerUser: 25, clusters: 15, drift: 0.1, values: "counts", seed: 21 }),
  "sparse-synth": () => syntheticRows({ users: 6000, items: 5000, eventsPerUser: 8, clusters: 40, drift: 0.3, values: "binary", seed: 22 }),
  "ml-sparse": () => {
    const next = mulberry32(23);
    return loadDataset("ml-latest-small").rows.filter(() => next() < 0.25);
  },
  // Ratings read as play counts: the rating times a random factor in [2, 10], heavy-tailed.
  "ml-counts": () => {
    const next = mulberry32(24);
    return loadDataset("ml-latest-small").rows.map((r) => ({ ...r, value: Math.max(1, Math.round(r.value * 2 * (1 + 4 * next() ** 3))) }));
  },
};

async function main(argv: string[]): Promise<number> {
  const [out] = argv;
  if (!out) throw new InputError(`usage: shapes.node.ts OUT_DIR (writes ${Object.keys(SHAPES).join(", ")})`);
  for (const [name, make] of Object.entries(SHAPES)) {
    const rows = make();
    const split = splitByUser(rows);
    mkdirSync(join(out, name), { recursive: true });
    writeFileSync(join(out, name, "train.tsv"), `${split.train.map(formatSplitRow).join("\n")}\n`);
    writeFileSync(join(out, name, "test.tsv"), `${split.test.map(formatSplitRow).join("\n")}\n`);
    console.log(`${name}: ${split.train.length} train / ${split.test.length} test rows`);
  }
  return 0;
}

runScript("shapes", main);
