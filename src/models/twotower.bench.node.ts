// Seconds per two-tower training epoch on the bundled data's P1 train split (dim 64, batch 512: the PyTorch
// reference's configuration), wall and process CPU, with the machine's load average beside them; one fit per
// thread count, side by side (process CPU counts every thread's work).
//   npm run bench:twotower [-- --epochs N] [-- --threads 1,2] [-- --set key=value ...]
import { parseArgs } from "node:util";
import { loadDataset } from "../data/files.node.ts";
import { splitByUser } from "../data/split.ts";
import { p1Data } from "../eval/p1.ts";
import { useWorkerThreads } from "../numeric/kernel-pool.node.ts";
import { epochRecorder } from "./epoch-recorder.node.ts";
import { resolveParams } from "./spec.ts";
import { TwoTower, twoTowerSpec } from "./twotower.ts";

const { values } = parseArgs({
  options: { epochs: { type: "string", default: "3" }, threads: { type: "string", default: "1" }, set: { type: "string", multiple: true, default: [] } },
});
const overrides = Object.fromEntries(values.set.map((kv) => kv.split("=") as [string, string]));
const threadCounts = values.threads.split(",").map(Number);
const dataset = loadDataset("ml-latest-small");
const split = splitByUser(dataset.rows);
const data = p1Data(split.train, split.test);
const items = data.train.items.toArray().map((id) => dataset.catalog.get(id));
const runs = [];
for (const threads of threadCounts) {
  const label = useWorkerThreads(threads);
  const model = new TwoTower(resolveParams(twoTowerSpec, { validate: 0, epochs: Number(values.epochs), ...overrides }));
  const recorder = epochRecorder(label);
  await model.fit(data.train, { items, cpuClock: recorder.cpuClock, onEpoch: recorder.onEpoch });
  runs.push({ threads, kernels: model.kernelsLabel, ...recorder.summary() });
}
useWorkerThreads(1);
console.log(JSON.stringify({ rows: data.train.matrix.indices.length, params: resolveParams(twoTowerSpec, { validate: 0, epochs: Number(values.epochs), ...overrides }), runs }));
