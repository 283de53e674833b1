// Seconds per two-tower training epoch on the bundled data's P1 train split (dim 64, batch 512: the PyTorch
// reference's configuration), wall and process CPU, with the machine's load average beside them; one fit per
// thread count, side by side (process CPU counts every thread's work).
//   npm run bench:twotower [-- --epochs N] [-- --threads 1,2] [-- --set key=value ...]
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { loadDataset } from "../data/files.node.ts";
import { splitByUser } from "../data/split.ts";
import { p1Data } from "../eval/p1.ts";
import { useWorkerThreads } from "../numeric/kernel-pool.node.ts";
import type { EpochReport } from "./recommender.ts";
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
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const runs = [];
for (const threads of threadCounts) {
  const label = useWorkerThreads(threads);
  const model = new TwoTower(resolveParams(twoTowerSpec, { validate: 0, epochs: Number(values.epochs), ...overrides }));
  const epochs: EpochReport[] = [];
  const load = [loadavg()[0]];
  await model.fit(data.train, {
    items,
    cpuClock: () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1e6;
    },
    onEpoch: (e) => {
      epochs.push(e);
      load.push(loadavg()[0]);
      console.error(`${label}, epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, ${e.seconds.toFixed(2)} s wall, ${e.cpuSeconds?.toFixed(2)} s cpu, load ${loadavg()[0].toFixed(1)}`);
    },
  });
  runs.push({
    threads,
    kernels: model.kernelsLabel,
    epoch_s_median: median(epochs.map((e) => e.seconds)),
    epoch_cpu_s_median: median(epochs.map((e) => e.cpuSeconds ?? Number.NaN)),
    epoch_s: epochs.map((e) => Number(e.seconds.toFixed(2))),
    epoch_cpu_s: epochs.map((e) => Number((e.cpuSeconds ?? Number.NaN).toFixed(2))),
    losses: epochs.map((e) => e.loss),
    load: load.map((l) => Number(l.toFixed(1))),
  });
}
useWorkerThreads(1);
console.log(JSON.stringify({ rows: data.train.matrix.indices.length, params: resolveParams(twoTowerSpec, { validate: 0, epochs: Number(values.epochs), ...overrides }), runs }));
