/**
 * `npm run bench`: speed of every model on the bundled MovieLens split, as JSON lines on stdout.
 * Each figure is the median of RUNS wall-clock runs in this process (the machine is shared and noisy).
 */
import { readSplitFile } from "../data/files.node.ts";
import { Interactions } from "../data/interactions.ts";
import { p1Data } from "../eval/p1.ts";
import { evaluateRatings } from "../eval/rating.ts";
import { recommend } from "../models/recommend.ts";
import { RATING_MODELS, RECOMMENDERS } from "../models/registry.ts";
import { resolveParams } from "../models/spec.ts";
import { useWorkerThreads } from "../numeric/kernel-pool.node.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
let threads = useWorkerThreads(1);
const split = new URL("../../data/splits/ml-latest-small/", import.meta.url).pathname;
const trainRows = readSplitFile(`${split}train.tsv`);
const testRows = readSplitFile(`${split}test.tsv`);
const data = p1Data(trainRows, testRows);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeRecommender(name: string, overrides: Record<string, number> = {}, label = name): Promise<void> {
  const spec = RECOMMENDERS[name];
  const params = resolveParams(spec, overrides);
  const fits: number[] = [];
  const recs: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const model = spec.create(params);
    const t0 = performance.now();
    await model.fit(data.train);
    fits.push((performance.now() - t0) / 1000);
    const t1 = performance.now();
    recommend(model, data.testUsers, 20, data.train.matrix);
    recs.push((performance.now() - t1) / 1000);
  }
  console.log(JSON.stringify({ bench: "p1", model: label, params, users: data.testUsers.length, items: data.train.itemCount, fit_s: median(fits), top20_all_users_s: median(recs), runs: RUNS, threads }));
}

async function timeRatingModel(name: string): Promise<void> {
  const spec = RATING_MODELS[name];
  const params = resolveParams(spec);
  const train = Interactions.fromRows(trainRows, "raw");
  const fits: number[] = [];
  let rmse = 0;
  for (let run = 0; run < RUNS; run++) {
    const model = spec.create(params);
    const t0 = performance.now();
    await model.fit(train);
    fits.push((performance.now() - t0) / 1000);
    rmse = evaluateRatings(model, train, testRows).rmse;
  }
  console.log(JSON.stringify({ bench: "p3", model: name, params, fit_s: median(fits), rmse, runs: RUNS }));
}

// The neural models train for minutes per fit; their benches time epochs instead (bench:twotower, bench:sasrec).
const EPOCH_BENCHED = new Set(["twotower", "sasrec"]);
for (const name of Object.keys(RECOMMENDERS)) if (!EPOCH_BENCHED.has(name)) await timeRecommender(name);
// implicit 0.7.3 fits factors=64, reg=10, alpha=1, iterations=15 in about 0.21 s on this 2-core machine. Its
// confidence is alpha * value and ours 1 + alpha * value, so its alpha=1 on binary data is our alpha=0.
for (const n of [1, 2]) {
  threads = useWorkerThreads(n);
  await timeRecommender("als", { factors: 64, reg: 10, alpha: 0, iterations: 15 }, "als (implicit's benchmark configuration)");
}
threads = useWorkerThreads(1);
for (const name of Object.keys(RATING_MODELS)) await timeRatingModel(name);
