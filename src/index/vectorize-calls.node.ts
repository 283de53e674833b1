/**
 * What VectorizeIndex costs in binding calls, and whether it answers what an exact index answers, on a real export:
 *   node --import tsx src/index/vectorize-calls.node.ts FILE.ndjson [QUERIES]
 * FILE.ndjson is what `recagent export --vectorize` wrote. The vectors go into the in-process stand-in of the
 * binding (exact search, so any difference from MemoryIndex is VectorizeIndex's own: its round limits), and
 * user-like queries (the mean of 20 random items, those 20 excluded) run with several filters through both.
 */
import { readFileSync } from "node:fs";
import type { Item } from "../core/types.ts";
import { MemoryIndex } from "./memory.ts";
import type { Filter } from "./types.ts";
import type { VectorizeVector } from "./vectorize-binding.ts";
import { FakeVectorize } from "./vectorize.fake.ts";
import { VECTORIZE_METADATA, VECTORIZE_METADATA_INDEXES, VectorizeIndex } from "./vectorize.ts";

const [file, queriesArg] = process.argv.slice(2);
if (!file) throw new Error("usage: node --import tsx src/index/vectorize-calls.node.ts FILE.ndjson [QUERIES]");
const queries = Number(queriesArg ?? 200);
const vectors = readFileSync(file, "utf8").trim().split("\n").map((line) => JSON.parse(line) as VectorizeVector);
const dimension = vectors[0].values.length;
const items = vectors.map((v) => JSON.parse(String(v.metadata?.[VECTORIZE_METADATA.item])) as Item);

const binding = new FakeVectorize({ dimensions: dimension, metadataIndexes: { ...VECTORIZE_METADATA_INDEXES } });
for (let start = 0; start < vectors.length; start += 1000) await binding.insert(vectors.slice(start, start + 1000));
const vectorize = new VectorizeIndex(binding, { dimension, catalog: items });
const memory = MemoryIndex.fromArrays(items, Float32Array.from(vectors.flatMap((v) => Array.from(v.values))), dimension);

let seed = 7;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const genres = [...new Set(items.flatMap((i) => i.genres))];
const k = 10;
const cases: Array<[string, (history: string[]) => Filter]> = [
  ["history excluded", (history) => ({ excludeIds: history })],
  ["+ yearMin 2000", (history) => ({ excludeIds: history, yearMin: 2000 })],
  ["+ one genre (any)", (history) => ({ excludeIds: history, genresAny: [genres[Math.floor(random() * genres.length)]] })],
  ["+ one genre (none)", (history) => ({ excludeIds: history, genresNone: [genres[Math.floor(random() * genres.length)]] })],
];
console.log(`${vectors.length} vectors of dimension ${dimension}; ${queries} queries per filter, k=${k}`);
console.log("filter                  same top-k   short answers   query calls/q   getByIds calls/q   max |score diff|");
for (const [name, filterOf] of cases) {
  let same = 0;
  let short = 0;
  let worst = 0;
  binding.calls.length = 0;
  for (let q = 0; q < queries; q++) {
    const history = Array.from({ length: 20 }, () => vectors[Math.floor(random() * vectors.length)]);
    const user = new Float32Array(dimension);
    for (const h of history) for (let j = 0; j < dimension; j++) user[j] += h.values[j] / history.length;
    const filter = filterOf(history.map((h) => items[vectors.indexOf(h)].id));
    const [got, exact] = await Promise.all([vectorize.query(user, { k, filter }), memory.query(user, { k, filter })]);
    // Ids only: MemoryIndex sums in float32 lanes, VectorizeIndex in float64, so scores differ in the last bits.
    if (got.map((r) => r.item.id).join() === exact.map((r) => r.item.id).join()) same++;
    for (let i = 0; i < Math.min(got.length, exact.length); i++) worst = Math.max(worst, Math.abs(got[i].score - exact[i].score));
    if (got.length < exact.length) short++;
  }
  const per = (method: string) => (binding.calls.filter((c) => c.method === method).length / queries).toFixed(2);
  console.log(`${name.padEnd(24)}${`${same}/${queries}`.padEnd(13)}${String(short).padEnd(16)}${per("query").padEnd(16)}${per("getByIds").padEnd(19)}${worst.toExponential(1)}`);
}
