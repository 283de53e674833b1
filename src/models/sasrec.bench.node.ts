// Seconds per SASRec training epoch on the bundled data's P1 train split (the defaults: hidden 50, 2 blocks,
// maxlen 50, the SASRec.pytorch design), wall and process CPU, with the machine's load average beside them.
// No validation hold-out (patience 0), so every epoch trains on the whole split.
//   npm run bench:sasrec [-- --epochs N] [-- --set key=value ...]
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { loadDataset } from "../data/files.node.ts";
import { splitByUser } from "../data/split.ts";
import { p1Data } from "../eval/p1.ts";
import type { EpochReport } from "./recommender.ts";
import { SasRec, sasrecSpec } from "./sasrec.ts";
import { resolveParams } from "./spec.ts";

const { values } = parseArgs({ options: { epochs: { type: "string", default: "5" }, set: { type: "string", multiple: true, default: [] } } });
const overrides = Object.fromEntries(values.set.map((kv) => kv.split("=") as [string, string]));
const dataset = loadDataset("ml-latest-small");
const split = splitByUser(dataset.rows);
const data = p1Data(split.train, split.test);
const model = new SasRec(resolveParams(sasrecSpec, { patience: 0, epochs: Number(values.epochs), ...overrides }));
const epochs: EpochReport[] = [];
const load = [loadavg()[0]];
await model.fit(data.train, {
  cpuClock: () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  },
  onEpoch: (e) => {
    epochs.push(e);
    load.push(loadavg()[0]);
    console.error(`epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, ${e.seconds.toFixed(2)} s wall, ${e.cpuSeconds?.toFixed(2)} s cpu, load ${loadavg()[0].toFixed(1)}`);
  },
});
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(JSON.stringify({
  kernels: model.kernelsUsed,
  users: data.train.matrix.rows,
  params: model.params,
  epoch_s_median: median(epochs.map((e) => e.seconds)),
  epoch_cpu_s_median: median(epochs.map((e) => e.cpuSeconds ?? Number.NaN)),
  epoch_s: epochs.map((e) => Number(e.seconds.toFixed(2))),
  epoch_cpu_s: epochs.map((e) => Number((e.cpuSeconds ?? Number.NaN).toFixed(2))),
  loss: epochs.map((e) => Number(e.loss.toFixed(6))),
  load: load.map((l) => Number(l.toFixed(1))),
}));
