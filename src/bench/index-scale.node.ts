/**
 * Vector index at scale, as JSON lines on stdout (progress on stderr):
 *   node --import tsx src/bench/index-scale.node.ts [--rows 1000000] [--queries 200] [--seed 1]
 *
 * 1. A LanceDB table of `rows` clustered 64-dim vectors (deterministic from the seed). Exact top-10 by
 *    flat search (also timed), then per ANN setting: build time, query p50/p99 and recall@10 against
 *    the exact answers. The last line names the fastest setting with recall@10 >= 0.95 and p99 < 20 ms.
 * 2. The service's size (8,246 items x 64): flat LanceDbIndex.query and MemoryIndex.query p50/p99, with
 *    and without a genre filter, to tell whether LanceDB alone fits a 10 ms request budget.
 * Latencies are wall clock per query, after a warm-up, on whatever else the machine is doing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import * as lancedb from "@lancedb/lancedb";
import { LanceDbIndex } from "../index/lancedb.node.ts";
import { arrow, structTable, vectorColumn, vectorType } from "../index/lancedb-rows.node.ts";
import { MemoryIndex } from "../index/memory.ts";
import type { Filter, IndexedItem, VectorIndex } from "../index/types.ts";
import { mulberry32, normalSampler } from "../numeric/random.ts";

const { values: args } = parseArgs({
  options: { rows: { type: "string", default: "1000000" }, queries: { type: "string", default: "200" }, seed: { type: "string", default: "1" } },
});
const ROWS = Number(args.rows);
const QUERIES = Number(args.queries);
const SEED = Number(args.seed);
const DIMENSION = 64;
const K = 10;
const WARMUP = 20;
const SERVICE_ITEMS = 8246;
const TARGET = { recall: 0.95, p99Ms: 20 };

interface AnnSetting {
  name: string;
  index: lancedb.Index;
  /** Query-time knobs swept over one build. */
  sweeps: Array<{ nprobes?: number; refineFactor?: number; ef?: number }>;
}

const ANN_SETTINGS: AnnSetting[] = [
  {
    name: "IVF_PQ partitions=256 sub_vectors=16",
    index: lancedb.Index.ivfPq({ distanceType: "dot", numPartitions: 256, numSubVectors: 16 }),
    sweeps: [{ nprobes: 10 }, { nprobes: 10, refineFactor: 10 }, { nprobes: 20, refineFactor: 10 }, { nprobes: 40, refineFactor: 10 }, { nprobes: 40, refineFactor: 30 }],
  },
  {
    name: "IVF_PQ partitions=1024 sub_vectors=32",
    index: lancedb.Index.ivfPq({ distanceType: "dot", numPartitions: 1024, numSubVectors: 32 }),
    sweeps: [{ nprobes: 20, refineFactor: 5 }, { nprobes: 40, refineFactor: 10 }, { nprobes: 80, refineFactor: 10 }],
  },
  {
    name: "HNSW_SQ partitions=16 m=16 ef_construction=100",
    index: lancedb.Index.hnswSq({ distanceType: "dot", numPartitions: 16, m: 16, efConstruction: 100 }),
    sweeps: [{ nprobes: 4, ef: 50 }, { nprobes: 8, ef: 100 }, { nprobes: 16, ef: 100 }],
  },
];

const emit = (line: Record<string, unknown>) => console.log(JSON.stringify(line));
const progress = (message: string) => process.stderr.write(`[index-scale] ${message}\n`);

/** `n` vectors around `clusters` random centres (unit-variance centres, noise sd 0.5), row-major. */
function clusteredVectors(n: number, clusters: number, seed: number): Float32Array {
  const normal = normalSampler(mulberry32(seed));
  const centres = Float32Array.from({ length: clusters * DIMENSION }, normal);
  const out = new Float32Array(n * DIMENSION);
  const pick = mulberry32(seed + 1);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(pick() * clusters) * DIMENSION;
    for (let j = 0; j < DIMENSION; j++) out[i * DIMENSION + j] = centres[c + j] + 0.5 * normal();
  }
  return out;
}

function rowOf(flat: Float32Array, i: number): Float32Array {
  return flat.subarray(i * DIMENSION, (i + 1) * DIMENSION);
}

function percentile(sortedMs: number[], p: number): number {
  return sortedMs[Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1)];
}

/** Runs every query once after a warm-up; p50/p99 in ms and the answers. */
async function timeQueries<T>(count: number, run: (q: number) => Promise<T>): Promise<{ p50: number; p99: number; answers: T[] }> {
  for (let q = 0; q < Math.min(WARMUP, count); q++) await run(q);
  const ms: number[] = [];
  const answers: T[] = [];
  for (let q = 0; q < count; q++) {
    const t0 = performance.now();
    answers.push(await run(q));
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { p50: round(percentile(ms, 50)), p99: round(percentile(ms, 99)), answers };
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

async function scaleRun(dir: string): Promise<void> {
  const clusters = Math.max(16, Math.round(ROWS / 1000));
  const vectors = clusteredVectors(ROWS, clusters, SEED);
  const queries = clusteredVectors(QUERIES, clusters, SEED); // same centres, fresh noise: not copies of rows
  const schema = new arrow.Schema([new arrow.Field("id", new arrow.Utf8(), false), new arrow.Field("vector", vectorType(DIMENSION), false)]);
  const ids = arrow.vectorFromArray(Array.from({ length: ROWS }, (_, i) => `i${i}`), new arrow.Utf8()).data[0];
  progress(`writing ${ROWS} rows`);
  let t0 = performance.now();
  const db = await lancedb.connect(dir);
  const table = await db.createTable("scale", structTable(schema, ROWS, [ids, vectorColumn(vectors, DIMENSION)]), { schema });
  emit({ bench: "index-scale", step: "write", rows: ROWS, dimension: DIMENSION, clusters, seconds: round((performance.now() - t0) / 1000) });

  const search = (q: number, tune: (query: lancedb.VectorQuery) => lancedb.VectorQuery) =>
    tune(table.vectorSearch(rowOf(queries, q)).distanceType("dot").select(["id", "_distance"]).limit(K))
      .toArray()
      .then((rows) => rows.map((r) => r.id as string));
  progress("exact answers by flat search");
  const exact = await timeQueries(QUERIES, (q) => search(q, (query) => query));
  emit({ bench: "index-scale", step: "flat", rows: ROWS, k: K, p50_ms: exact.p50, p99_ms: exact.p99 });

  const results: Array<{ setting: string; query: object; recall: number; p99: number }> = [];
  for (const setting of ANN_SETTINGS) {
    progress(`building ${setting.name}`);
    t0 = performance.now();
    await table.createIndex("vector", { config: setting.index, replace: true });
    emit({ bench: "index-scale", step: "build", rows: ROWS, setting: setting.name, seconds: round((performance.now() - t0) / 1000) });
    for (const sweep of setting.sweeps) {
      const timed = await timeQueries(QUERIES, (q) =>
        search(q, (query) => {
          let tuned = query;
          if (sweep.nprobes !== undefined) tuned = tuned.nprobes(sweep.nprobes);
          if (sweep.refineFactor !== undefined) tuned = tuned.refineFactor(sweep.refineFactor);
          if (sweep.ef !== undefined) tuned = tuned.ef(sweep.ef);
          return tuned;
        }),
      );
      const recall = round(timed.answers.reduce((sum, got, q) => sum + got.filter((id) => exact.answers[q].includes(id)).length / K, 0) / QUERIES, 3);
      results.push({ setting: setting.name, query: sweep, recall, p99: timed.p99 });
      emit({ bench: "index-scale", step: "query", rows: ROWS, setting: setting.name, ...sweep, k: K, recall_at_10: recall, p50_ms: timed.p50, p99_ms: timed.p99 });
    }
  }
  const passing = results.filter((r) => r.recall >= TARGET.recall && r.p99 < TARGET.p99Ms).sort((a, b) => a.p99 - b.p99);
  emit({ bench: "index-scale", step: "choice", rows: ROWS, target: TARGET, choice: passing[0] ?? null });
}

const GENRES = ["Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama", "Fantasy", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"];

/** Catalog-sized flat search: is LanceDB alone fast enough, or should queries go to a MemoryIndex mirror? */
async function serviceSizeRun(dir: string): Promise<void> {
  const pick = mulberry32(SEED + 2);
  const vectors = clusteredVectors(SERVICE_ITEMS, 64, SEED + 3);
  const items: IndexedItem[] = Array.from({ length: SERVICE_ITEMS }, (_, i) => ({
    id: `m${i}`,
    title: `Movie ${i}`,
    year: 1950 + Math.floor(pick() * 70),
    genres: GENRES.filter(() => pick() < 0.15),
    tags: [],
    vector: rowOf(vectors, i),
  }));
  const queries = clusteredVectors(QUERIES, 64, SEED + 3);
  const lance = await LanceDbIndex.build(dir, items, { table: "service", dimension: DIMENSION });
  const memory = new MemoryIndex(DIMENSION);
  await memory.upsert(items);
  const cases: Array<[string, Filter | undefined]> = [
    ["none", undefined],
    ["genresAny=[Comedy]", { genresAny: ["Comedy"] }],
  ];
  for (const index of [lance, memory] as VectorIndex[]) {
    for (const k of [10, 100]) {
      for (const [label, filter] of cases) {
        const timed = await timeQueries(QUERIES, (q) => index.query(rowOf(queries, q), { k, filter }));
        emit({ bench: "index-service-size", index: index.kind, rows: SERVICE_ITEMS, dimension: DIMENSION, k, filter: label, p50_ms: timed.p50, p99_ms: timed.p99 });
      }
    }
  }
}

const dir = mkdtempSync(join(tmpdir(), "recagent-index-scale-"));
try {
  await serviceSizeRun(dir);
  await scaleRun(dir);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
