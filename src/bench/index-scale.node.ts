/**
 * `npm run bench:index`: the vector index at catalog scale. Progress goes to stderr; stdout gets one line per
 * step (readable, or JSON with --json), and its LAST line is always the summary of the query mirror:
 *   {n, dim, index, build_s, p50_ms, p99_ms, recall_at_10, filtered_recall_at_10, rss_mb}
 *
 *   npm run bench:index -- [--rows 100000] [--queries 200] [--seed 1] [--index auto|hnsw|memory] [--json]
 *                          [--lancedb [--lancedb-hnsw]] [--graph FILE]
 *
 * 1. The query mirror the Node service would use for `rows` items (--index auto: queryMirrorKind, so HNSW above
 *    HNSW_ABOVE_ITEMS, the flat scan below) over clustered 64-dim vectors, deterministic from the seed; each item
 *    has genres drawn independently with probability 0.1 each, so the filter genresAny=[Western] keeps about 10%.
 *    Build time (upserts in chunks), then per query through VectorIndex.query: p50/p99 wall time (the summary's
 *    figures), p50/p99 of the process's CPU time (cpu_*: what the query costs, whatever the load) and recall@10
 *    against an exact brute-force answer (computed here, from the raw vectors and filter.ts's reference
 *    predicate), without and with that filter. rss_mb is the process's resident memory after the build: the
 *    index plus this bench's own copy of the vectors and items (the line "data" gives the RSS before the build).
 *    --graph FILE: the HNSW graph is loaded from FILE when it was saved there from these vectors, else built and
 *    saved there (as the service does beside its artifacts): run twice, build_s is the build, then the load.
 * 2. --lancedb: the earlier LanceDB study, LanceDB's flat search and its ANN indexes (IVF_FLAT, IVF_PQ; HNSW_SQ with
 *    --lancedb-hnsw) on the same vectors, and flat LanceDB vs MemoryIndex at the service's catalog size.
 * Latencies are wall clock per query, after a warm-up, on whatever else the machine is doing (the "machine" line
 * gives the load average).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import * as lancedb from "@lancedb/lancedb";
import { compileFilter } from "../index/filter.ts";
import { HNSW_DEFAULTS, HnswIndex } from "../index/hnsw.node.ts";
import { LanceDbIndex } from "../index/lancedb.node.ts";
import { arrow, structTable, vectorColumn, vectorType } from "../index/lancedb-rows.node.ts";
import { MemoryIndex } from "../index/memory.ts";
import { queryMirrorKind } from "../index/query-mirror.node.ts";
import type { Filter, IndexedItem, VectorIndex } from "../index/types.ts";
import { mulberry32, normalSampler } from "../numeric/random.ts";
import { topK } from "../numeric/topk.ts";

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "100000" },
    queries: { type: "string", default: "200" },
    seed: { type: "string", default: "1" },
    index: { type: "string", default: "auto" },
    json: { type: "boolean", default: false },
    lancedb: { type: "boolean", default: false },
    "lancedb-hnsw": { type: "boolean", default: false },
    graph: { type: "string" },
  },
});
const ROWS = Number(args.rows);
const QUERIES = Number(args.queries);
const SEED = Number(args.seed);
if (!(Number.isInteger(ROWS) && ROWS > 0 && Number.isInteger(QUERIES) && QUERIES > 0 && Number.isInteger(SEED))) {
  throw new Error("--rows and --queries must be positive integers, --seed an integer");
}
if (!["auto", "hnsw", "memory"].includes(args.index)) throw new Error(`--index must be auto, hnsw or memory, got ${args.index}`);
const DIMENSION = 64;
const K = 10;
const WARMUP = 10;
const SERVICE_ITEMS = 8246;
const TARGET = { recall: 0.95, p99Ms: 20 };
const NOISE = 1;
/** Upserts per chunk while building, so progress shows (a million-item HNSW build takes minutes). */
const BUILD_CHUNK = 20_000;

/** One step's figures: a JSON line with --json, else `step: key=value ...`. */
const emit = (line: Record<string, unknown>) => {
  if (args.json) return console.log(JSON.stringify(line));
  const { bench: _bench, step, ...rest } = line;
  console.log(`${String(step ?? "")}: ${Object.entries(rest).map(([key, value]) => `${key}=${typeof value === "object" ? JSON.stringify(value) : String(value)}`).join(" ")}`);
};
const progress = (message: string) => process.stderr.write(`[index-scale] ${message}\n`);
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/**
 * `n` vectors around `clusters` random centres (unit-variance centres, noise sd NOISE), row-major. The
 * noise is as large as the spread of the centres, so clusters overlap and a query's best items come
 * from several partitions: recall then depends on nprobes, as it would on real factors.
 */
function clusteredVectors(n: number, clusters: number, centreSeed: number, noiseSeed: number): Float32Array {
  const centres = Float32Array.from({ length: clusters * DIMENSION }, normalSampler(mulberry32(centreSeed)));
  const normal = normalSampler(mulberry32(noiseSeed));
  const out = new Float32Array(n * DIMENSION);
  const pick = mulberry32(noiseSeed + 1);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(pick() * clusters) * DIMENSION;
    for (let j = 0; j < DIMENSION; j++) out[i * DIMENSION + j] = centres[c + j] + NOISE * normal();
  }
  return out;
}

function rowOf(flat: Float32Array, i: number): Float32Array {
  return flat.subarray(i * DIMENSION, (i + 1) * DIMENSION);
}

function percentile(sortedMs: number[], p: number): number {
  return sortedMs[Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1)];
}

/**
 * Runs every query once after a warm-up: p50/p99 wall time in ms, the same for the process's CPU time per
 * query (which other jobs on the machine do not inflate, while wall time includes waiting for a core), and
 * the answers.
 */
async function timeQueries<T>(count: number, run: (q: number) => Promise<T>): Promise<{ p50: number; p99: number; cpuP50: number; cpuP99: number; answers: T[] }> {
  for (let q = 0; q < Math.min(WARMUP, count); q++) await run(q);
  const ms: number[] = [];
  const cpuMs: number[] = [];
  const answers: T[] = [];
  for (let q = 0; q < count; q++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    answers.push(await run(q));
    ms.push(performance.now() - t0);
    const cpu = process.cpuUsage(cpu0);
    cpuMs.push((cpu.user + cpu.system) / 1000);
  }
  ms.sort((a, b) => a - b);
  cpuMs.sort((a, b) => a - b);
  return { p50: round(percentile(ms, 50)), p99: round(percentile(ms, 99)), cpuP50: round(percentile(cpuMs, 50)), cpuP99: round(percentile(cpuMs, 99)), answers };
}

interface AnnSetting {
  name: string;
  index: lancedb.Index;
  /** Searches the MIPS-to-L2 table (see mipsToL2) with l2 distance instead of the raw table with dot. */
  mipsToL2?: boolean;
  /** Query-time knobs swept over one build. */
  sweeps: Array<{ nprobes?: number; refineFactor?: number; ef?: number }>;
}

/**
 * kmeans is most of the build time (samples = 256 x partitions, times partitions x 64 per iteration), so
 * partitions stay near sqrt(rows)/4 and iterations at 10 (clustered data converges well before the default 50).
 */
const PARTITIONS = Math.max(16, Math.round(Math.sqrt(ROWS) / 4));
const ANN_SETTINGS: AnnSetting[] = [
  {
    name: `IVF_FLAT dot partitions=${PARTITIONS}`,
    index: lancedb.Index.ivfFlat({ distanceType: "dot", numPartitions: PARTITIONS, maxIterations: 10 }),
    sweeps: [{ nprobes: 2 }, { nprobes: 8 }, { nprobes: 16 }, { nprobes: 32 }, { nprobes: 64 }],
  },
  {
    name: `IVF_PQ dot partitions=${PARTITIONS} sub_vectors=32`,
    index: lancedb.Index.ivfPq({ distanceType: "dot", numPartitions: PARTITIONS, numSubVectors: 32, maxIterations: 10 }),
    sweeps: [{ nprobes: 16 }, { nprobes: 16, refineFactor: 10 }, { nprobes: 32, refineFactor: 10 }, { nprobes: 64, refineFactor: 10 }],
  },
  {
    name: `IVF_FLAT l2 over MIPS-to-L2 vectors partitions=${PARTITIONS}`,
    index: lancedb.Index.ivfFlat({ distanceType: "l2", numPartitions: PARTITIONS, maxIterations: 10 }),
    mipsToL2: true,
    sweeps: [{ nprobes: 2 }, { nprobes: 8 }, { nprobes: 16 }, { nprobes: 32 }, { nprobes: 64 }],
  },
];
/**
 * HNSW_SQ exists in LanceDB 0.31 but its dot distance drops the scalar quantizer's offset (lance#7352,
 * fixed by lance#7481 in a later release): recall@10 was 0.008 here at 100k rows, and a 1M build takes
 * minutes, so it runs only on request.
 */
const HNSW_SETTING: AnnSetting = {
  name: "HNSW_SQ dot partitions=1 m=16 ef_construction=100",
  index: lancedb.Index.hnswSq({ distanceType: "dot", numPartitions: 1, m: 16, efConstruction: 100, maxIterations: 10 }),
  sweeps: [{ ef: 50 }, { ef: 200 }],
};
/** A sample of the flat search's latency: at 1M rows each query takes a good fraction of a second. */
const FLAT_TIMED_QUERIES = 20;

/** The scale data set: `ROWS` vectors and `QUERIES` query vectors around the same centres (other draws). */
function scaleData(): { vectors: Float32Array; queries: Float32Array; clusters: number } {
  const clusters = Math.max(16, Math.round(ROWS / 1000));
  return { vectors: clusteredVectors(ROWS, clusters, SEED, SEED + 1), queries: clusteredVectors(QUERIES, clusters, SEED, SEED + 2), clusters };
}

async function scaleRun(dir: string, { vectors, queries, clusters }: ReturnType<typeof scaleData>): Promise<void> {
  const db = await lancedb.connect(dir);
  progress(`writing ${ROWS} rows`);
  let t0 = performance.now();
  const table = await writeVectors(db, "scale", vectors, DIMENSION);
  emit({ bench: "index-scale", step: "write", rows: ROWS, dimension: DIMENSION, clusters, seconds: round((performance.now() - t0) / 1000) });
  const mipsTable = await writeVectors(db, "scale_mips", mipsToL2(vectors), DIMENSION + 1);

  progress("exact answers by brute force");
  const exact = exactTopK(vectors, queries);
  const search = (q: number, setting: AnnSetting | undefined, tune: (query: lancedb.VectorQuery) => lancedb.VectorQuery = (query) => query) => {
    const query = setting?.mipsToL2
      ? mipsTable.vectorSearch([...rowOf(queries, q), 0]).distanceType("l2")
      : table.vectorSearch(rowOf(queries, q)).distanceType("dot");
    return tune(query.select(["id", "_distance"]).limit(K))
      .toArray()
      .then((rows) => rows.map((r) => Number((r.id as string).slice(1))));
  };
  const flat = await timeQueries(FLAT_TIMED_QUERIES, (q) => search(q, undefined));
  const flatRecall = recallAt(flat.answers, exact);
  emit({ bench: "index-scale", step: "flat", rows: ROWS, k: K, queries: FLAT_TIMED_QUERIES, recall_at_10: flatRecall, p50_ms: flat.p50, p99_ms: flat.p99 });

  const results: Array<{ setting: string; query: object; recall: number; p99: number }> = [];
  if (!args["lancedb-hnsw"]) emit({ bench: "index-scale", step: "skip", setting: HNSW_SETTING.name, reason: "lance#7352: SQ dot distance broken in LanceDB 0.31 (recall@10 0.008 at 100k); --lancedb-hnsw runs it" });
  for (const setting of args["lancedb-hnsw"] ? [...ANN_SETTINGS, HNSW_SETTING] : ANN_SETTINGS) {
    progress(`building ${setting.name}`);
    t0 = performance.now();
    await (setting.mipsToL2 ? mipsTable : table).createIndex("vector", { config: setting.index, replace: true });
    emit({ bench: "index-scale", step: "build", rows: ROWS, setting: setting.name, seconds: round((performance.now() - t0) / 1000) });
    for (const sweep of setting.sweeps) {
      const timed = await timeQueries(QUERIES, (q) =>
        search(q, setting, (query) => {
          let tuned = query;
          if (sweep.nprobes !== undefined) tuned = tuned.nprobes(sweep.nprobes);
          if (sweep.refineFactor !== undefined) tuned = tuned.refineFactor(sweep.refineFactor);
          if (sweep.ef !== undefined) tuned = tuned.ef(sweep.ef);
          return tuned;
        }),
      );
      const recall = recallAt(timed.answers, exact);
      results.push({ setting: setting.name, query: sweep, recall, p99: timed.p99 });
      emit({ bench: "index-scale", step: "query", rows: ROWS, setting: setting.name, ...sweep, k: K, recall_at_10: recall, p50_ms: timed.p50, p99_ms: timed.p99 });
    }
  }
  const passing = results.filter((r) => r.recall >= TARGET.recall && r.p99 < TARGET.p99Ms).sort((a, b) => a.p99 - b.p99);
  emit({ bench: "index-scale", step: "choice", rows: ROWS, target: TARGET, choice: passing[0] ?? null });
}

/** A table of ids `i<row>` and the rows of `flat` as vectors. */
async function writeVectors(db: lancedb.Connection, name: string, flat: Float32Array, dimension: number): Promise<lancedb.Table> {
  const rows = flat.length / dimension;
  const schema = new arrow.Schema([new arrow.Field("id", new arrow.Utf8(), false), new arrow.Field("vector", vectorType(dimension), false)]);
  const ids = arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => `i${i}`), new arrow.Utf8()).data[0];
  return db.createTable(name, structTable(schema, rows, [ids, vectorColumn(flat, dimension)]), { schema });
}

/**
 * The classic reduction of maximum inner product to nearest neighbour (Bachrach et al. 2014): append
 * sqrt(M^2 - |x|^2) to each row (M the largest norm) and 0 to the query; then |q - x|^2 = |q|^2 + M^2 - 2 q.x,
 * so the l2-nearest rows are the dot-best rows, and l2 indexes (whose partitions suit l2) apply.
 */
function mipsToL2(flat: Float32Array): Float32Array {
  const rows = flat.length / DIMENSION;
  const norms = Float64Array.from({ length: rows }, (_, i) => rowOf(flat, i).reduce((s, x) => s + x * x, 0));
  const max = norms.reduce((a, b) => Math.max(a, b), 0);
  const out = new Float32Array(rows * (DIMENSION + 1));
  for (let i = 0; i < rows; i++) {
    out.set(rowOf(flat, i), i * (DIMENSION + 1));
    out[i * (DIMENSION + 1) + DIMENSION] = Math.sqrt(max - norms[i]);
  }
  return out;
}

/** The exact K best rows of every query, by scoring all rows that `keep` allows (the reference for recall). */
function exactTopK(flat: Float32Array, queries: Float32Array, keep?: Uint8Array): Int32Array[] {
  const rows = flat.length / DIMENSION;
  const scores = new Float32Array(rows);
  const top = new Float32Array(K);
  return Array.from({ length: queries.length / DIMENSION }, (_, q) => {
    const query = rowOf(queries, q);
    for (let i = 0; i < rows; i++) {
      if (keep && keep[i] === 0) {
        scores[i] = -Infinity;
        continue;
      }
      let dot = 0;
      for (let j = 0, base = i * DIMENSION; j < DIMENSION; j++) dot += flat[base + j] * query[j];
      scores[i] = dot;
    }
    const ids = new Int32Array(K);
    topK(scores, K, ids, top);
    return ids;
  });
}

function recallAt(answers: number[][], exact: Int32Array[]): number {
  const hits = answers.reduce((sum, got, q) => sum + got.filter((row) => exact[q].includes(row)).length, 0);
  return round(hits / (answers.length * K), 3);
}

const GENRES = ["Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama", "Fantasy", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"];

/** Catalog-sized flat search: is LanceDB alone fast enough, or should queries go to a MemoryIndex mirror? */
async function serviceSizeRun(dir: string): Promise<void> {
  const pick = mulberry32(SEED + 2);
  const vectors = clusteredVectors(SERVICE_ITEMS, 64, SEED + 3, SEED + 4);
  const items: IndexedItem[] = Array.from({ length: SERVICE_ITEMS }, (_, i) => ({
    id: `m${i}`,
    title: `Movie ${i}`,
    year: 1950 + Math.floor(pick() * 70),
    genres: GENRES.filter(() => pick() < 0.15),
    tags: [],
    vector: rowOf(vectors, i),
  }));
  const queries = clusteredVectors(QUERIES, 64, SEED + 3, SEED + 5);
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

/** The filter whose recall the summary reports: one genre, drawn with probability 0.1 per item. */
const FILTER_KEEPING_A_TENTH: Filter = { genresAny: ["Western"] };

/** The query mirror at `ROWS` items: build, latency and recall, with and without FILTER_KEEPING_A_TENTH. */
async function mirrorRun({ vectors, queries }: ReturnType<typeof scaleData>): Promise<Record<string, unknown>> {
  const pick = mulberry32(SEED + 7);
  const years = mulberry32(SEED + 8);
  const items: IndexedItem[] = Array.from({ length: ROWS }, (_, i) => ({
    id: `i${i}`,
    title: `Item ${i}`,
    year: 1920 + Math.floor(years() * 100),
    genres: GENRES.filter(() => pick() < 0.1),
    tags: [],
    vector: rowOf(vectors, i),
  }));
  const keepMask = (filter: Filter) => {
    const matches = compileFilter(filter);
    return Uint8Array.from(items, (item) => (matches(item) ? 1 : 0));
  };
  const share = (keep: Uint8Array) => round(keep.reduce((sum, x) => sum + x, 0) / ROWS, 4);
  const keep = keepMask(FILTER_KEEPING_A_TENTH);

  const kind = args.index === "auto" ? queryMirrorKind(ROWS) : args.index;
  const rssBefore = process.memoryUsage().rss;
  emit({ bench: "index-mirror", step: "data", n: ROWS, dim: DIMENSION, filter: FILTER_KEEPING_A_TENTH, filter_keeps: share(keep), rss_mb: Math.round(rssBefore / 2 ** 20) });
  const t0 = performance.now();
  const saved = kind === "hnsw" && args.graph !== undefined ? HnswIndex.fromArrays(items, vectors, DIMENSION, { graphFile: args.graph, log: progress }) : undefined;
  const index = saved ?? (kind === "hnsw" ? new HnswIndex(DIMENSION) : new MemoryIndex(DIMENSION));
  for (let start = 0; !saved && start < ROWS; start += BUILD_CHUNK) {
    await index.upsert(items.slice(start, start + BUILD_CHUNK));
    const done = Math.min(ROWS, start + BUILD_CHUNK);
    const seconds = (performance.now() - t0) / 1000;
    progress(`${index.kind}: ${done}/${ROWS} items in ${seconds.toFixed(1)} s, about ${((seconds / done) * (ROWS - done)).toFixed(0)} s to go`);
  }
  // MemoryIndex builds its scan copy on the first query: part of its build.
  await index.query(rowOf(queries, 0), { k: K });
  const buildSeconds = round((performance.now() - t0) / 1000);
  const rss = Math.round(process.memoryUsage().rss / 2 ** 20);
  emit({ bench: "index-mirror", step: "build", index: index.kind, graph: saved ? saved.graphOrigin : "built (not saved)", n: ROWS, seconds: buildSeconds, rss_mb: rss });

  const rowOfId = (id: string) => Number(id.slice(1));
  const truths = new Map<string, { keep?: Uint8Array; exact: Int32Array[] }>();
  const truthOf = (filter: Filter | undefined) => {
    const key = JSON.stringify(filter ?? null);
    if (!truths.has(key)) {
      progress(`exact answers by brute force: ${QUERIES} queries, filter ${key}`);
      const keep = filter && keepMask(filter);
      truths.set(key, { keep, exact: exactTopK(vectors, queries, keep) });
    }
    return truths.get(key)!;
  };
  const measure = async (filter: Filter | undefined, setting: Record<string, unknown> = {}) => {
    const { keep: keepRows, exact } = truthOf(filter);
    const timed = await timeQueries(QUERIES, async (q) => (await index.query(rowOf(queries, q), { k: K, filter })).map((r) => rowOfId(r.item.id)));
    const recall = recallAt(timed.answers, exact);
    emit({ bench: "index-mirror", step: "query", index: index.kind, ...setting, n: ROWS, k: K, queries: QUERIES, filter: filter ?? "none", filter_keeps: keepRows ? share(keepRows) : 1, recall_at_10: recall, p50_ms: timed.p50, p99_ms: timed.p99, cpu_p50_ms: timed.cpuP50, cpu_p99_ms: timed.cpuP99 });
    return { recall, ...timed };
  };
  const plain = await measure(undefined);
  const filtered = await measure(FILTER_KEEPING_A_TENTH);
  if (index instanceof HnswIndex) {
    emit({ bench: "index-mirror", step: "paths", ...index.answered });
    progress("sweeps: efSearch, and the graph against the exact scan for narrower filters");
    for (const efSearch of [32, 64, 128]) {
      index.tune({ efSearch });
      await measure(undefined, { efSearch });
    }
    index.tune({ efSearch: HNSW_DEFAULTS.efSearch });
    // Filters keeping about 10%, 3%, 1% and 0.3% of the items, each of the three ways HnswIndex can answer them
    // (what its cost model, SCAN_COSTS, is fitted to).
    for (const yearMin of [undefined, 1990, 2010, 2017]) {
      for (const filterPath of ["overfetch", "callback", "exact"] as const) {
        index.tune({ filterPath });
        await measure(yearMin === undefined ? FILTER_KEEPING_A_TENTH : { ...FILTER_KEEPING_A_TENTH, yearMin }, { path: filterPath });
      }
    }
    index.tune({ filterPath: HNSW_DEFAULTS.filterPath });
  }
  return { n: ROWS, dim: DIMENSION, index: index.kind, build_s: buildSeconds, p50_ms: plain.p50, p99_ms: plain.p99, recall_at_10: plain.recall, filtered_recall_at_10: filtered.recall, rss_mb: rss };
}

emit({ bench: "index-scale", step: "machine", cores: availableParallelism(), load_average_1m: round(loadavg()[0]) });
const data = scaleData();
const summary = await mirrorRun(data);
if (args.lancedb) {
  const dir = mkdtempSync(join(tmpdir(), "recagent-index-scale-"));
  try {
    await serviceSizeRun(dir);
    await scaleRun(dir, data);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
// The last line, always JSON: what the README and the issue quote.
console.log(JSON.stringify(summary));
