import type { Item } from "../../core/types.ts";
import { Semaphore } from "../../llm/semaphore.ts";
import type { LlmClient } from "../../llm/types.ts";
import { recommenderSpec } from "../../models/registry.ts";
import { resolveParams } from "../../models/spec.ts";
import { mulberry32, shuffle } from "../../numeric/random.ts";
import { createRanker } from "../../ranking/spec.ts";
import type { Ranker } from "../../ranking/types.ts";
import { recall } from "../metrics.ts";
import type { P1Data } from "../p1.ts";
import { type Prices, servedLabel, summarize, type UserOutcome } from "./aggregate.ts";
import { candidatePool } from "./candidate-pool.ts";
import { parseMetricName, type SuiteDefinition } from "./definition.ts";
import { FAKE_NOTICE, type Population, type SuiteReport, type SuiteRow } from "./report.ts";

export interface SuiteData {
  /** Shown in reports, e.g. the split directory. */
  name: string;
  p1: P1Data;
  /** Per dense item index: what rankers are shown of it. */
  items: readonly Item[];
}

export interface SuiteRunOptions {
  llm: LlmClient;
  prices: Prices;
  /** Requests ranked at once; the LLM client bounds its own requests in flight too. */
  concurrency?: number;
  /** Milliseconds, for latency. */
  clock?: () => number;
  generatedAt?: string;
  onProgress?: (message: string) => void;
}

const LLM_KINDS = new Set(["llm-listwise"]);

/**
 * Runs a suite: fits the retriever, takes its top-N for each sampled test user, lets every ranker reorder the
 * same candidate sets, and measures quality, the candidate sets' ceiling and cost. Non-LLM rankers are
 * measured on every sampled user; LLM rankers (and, for a like-for-like comparison, every other ranker too)
 * on the smaller LLM sample.
 */
export async function runSuite(def: SuiteDefinition, data: SuiteData, opts: SuiteRunOptions): Promise<SuiteReport> {
  const clock = opts.clock ?? (() => performance.now());
  const progress = opts.onProgress ?? (() => {});
  const spec = recommenderSpec(def.candidates.model);
  const params = resolveParams(spec, def.candidates.params);
  const model = spec.create(params);
  progress(`fitting ${spec.name} on ${data.p1.train.userCount} users`);
  const t0 = clock();
  await model.fit(data.p1.train);
  const fitSeconds = (clock() - t0) / 1000;

  const { all, llmSample } = sampleUsers(data.p1.testUsers.length, def.users);
  const split = llmSample.length < all.length;
  const populations: Population[] = [{ id: "all", users: all.length, note: split ? "every sampled test user; LLM rankers are not run on it" : "every sampled test user, every ranker" }];
  if (split) populations.push({ id: "llm-sample", users: llmSample.length, note: "the LLM sample: every ranker on the same users" });
  const llmPopulation = populations[populations.length - 1];
  const pool = candidatePool(model, data, all, Math.max(...def.candidates.sizes));
  const metrics = def.metrics.map(parseMetricName);

  const rankUser = async (ranker: Ranker, slots: Semaphore, j: number, size: number): Promise<UserOutcome> => {
    const candidates = pool.candidates(j).slice(0, size);
    const release = await slots.acquire();
    try {
      const started = clock();
      const ranking = await ranker.rank({ history: pool.history(j) }, candidates);
      const wallMs = clock() - started;
      const ranked = ranking.order.map((i) => pool.dense(j)[i]);
      const relevant = data.p1.relevant[j];
      return {
        metrics: metrics.map(({ metric, k }) => metric(relevant, ranked, k)),
        ceiling: recall(relevant, pool.dense(j).subarray(0, size), size),
        usage: ranking.usage,
        wallMs,
        served: servedLabel(ranking.served),
      };
    } finally {
      release();
    }
  };

  const rows: SuiteRow[] = [];
  for (const size of def.candidates.sizes) {
    for (const { id, ranker: rankerSpec } of def.rankers) {
      const isLlm = LLM_KINDS.has(rankerSpec.kind);
      const base = { size, ranker: id, kind: rankerSpec.kind };
      if (isLlm && !opts.llm.enabled) {
        rows.push({ ...base, population: llmPopulation.id, status: "skipped", skipped: "disabled" });
        continue;
      }
      progress(`ranking top-${size} with ${id}`);
      const users = isLlm ? llmSample : all;
      const ranker = createRanker(rankerSpec, opts.llm);
      // One request at a time unless it waits on an LLM, so latencies are not inflated by interleaving.
      const slots = new Semaphore(isLlm ? (opts.concurrency ?? 8) : 1);
      const outcomes = new Map<number, UserOutcome>();
      await Promise.all(users.map(async (j) => outcomes.set(j, await rankUser(ranker, slots, j, size))));
      for (const population of isLlm ? [llmPopulation] : populations) {
        const members = population.id === "all" ? all : llmSample;
        rows.push({ ...base, population: population.id, status: "ok", ...summarize(members.map((j) => outcomes.get(j)!), def.metrics, opts.prices) });
      }
    }
  }

  return {
    suite: { id: def.id, version: def.version, description: def.description },
    generatedAt: opts.generatedAt ?? new Date().toISOString(),
    ...(opts.llm.isFake && { notice: FAKE_NOTICE }),
    dataset: { split: data.name, testUsers: data.p1.testUsers.length, items: data.p1.train.itemCount },
    candidates: { model: spec.name, params, sizes: def.candidates.sizes, fitSeconds },
    llm: {
      enabled: opts.llm.enabled,
      model: opts.llm.modelFor("rerank"),
      fake: opts.llm.isFake === true,
      pricesPerMTok: opts.prices.priceInputPerMTok === 0 && opts.prices.priceOutputPerMTok === 0 ? "unknown" : { input: opts.prices.priceInputPerMTok, output: opts.prices.priceOutputPerMTok },
    },
    populations,
    metrics: def.metrics,
    rows,
  };
}

/**
 * Positions in p1.testUsers, ascending: `all` (the suite's sample, or everyone) and `llmSample`, the first users
 * of the same seeded shuffle, so the LLM sample is always a subset of `all`.
 */
export function sampleUsers(count: number, users: SuiteDefinition["users"]): { all: number[]; llmSample: number[] } {
  const order = Int32Array.from({ length: count }, (_, j) => j);
  shuffle(order, mulberry32(users.seed));
  const take = (n: number) => Array.from(order.subarray(0, Math.min(n, count))).sort((a, b) => a - b);
  const all = take(users.sample ?? count);
  return { all, llmSample: take(Math.min(users.llmSample, all.length)) };
}
