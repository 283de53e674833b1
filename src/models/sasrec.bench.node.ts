// Seconds per SASRec training epoch on the bundled data's P1 train split (the defaults: hidden 50, 2 blocks,
// maxlen 50, the SASRec.pytorch design), wall and process CPU, with the machine's load average beside them.
// No validation hold-out (patience 0), so every epoch trains on the whole split.
//   npm run bench:sasrec [-- --epochs N] [-- --set key=value ...]
import { parseArgs } from "node:util";
import { loadDataset } from "../data/files.node.ts";
import { splitByUser } from "../data/split.ts";
import { p1Data } from "../eval/p1.ts";
import { epochRecorder } from "./epoch-recorder.node.ts";
import { SasRec, sasrecSpec } from "./sasrec.ts";
import { resolveParams } from "./spec.ts";

const { values } = parseArgs({ options: { epochs: { type: "string", default: "5" }, set: { type: "string", multiple: true, default: [] } } });
const overrides = Object.fromEntries(values.set.map((kv) => kv.split("=") as [string, string]));
const dataset = loadDataset("ml-latest-small");
const split = splitByUser(dataset.rows);
const data = p1Data(split.train, split.test);
const model = new SasRec(resolveParams(sasrecSpec, { patience: 0, epochs: Number(values.epochs), ...overrides }));
const recorder = epochRecorder();
await model.fit(data.train, { cpuClock: recorder.cpuClock, onEpoch: recorder.onEpoch });
console.log(JSON.stringify({ kernels: model.kernelsUsed, users: data.train.matrix.rows, params: model.params, ...recorder.summary() }));
