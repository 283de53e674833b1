import { InputError } from "../../core/errors.ts";
import type { InteractionRow } from "../../core/types.ts";
import type { ValueTransform } from "../../data/interactions.ts";
import { splitByUser } from "../../data/split.ts";
import { Blend } from "../../models/blend.ts";
import { DEFAULT_RECENCY_FLOOR, NO_RECENCY, type Recency, recencyIsOn } from "../../models/recency.ts";
import type { Params, Recommender } from "../../models/recommender.ts";
import { recommenderSpec } from "../../models/registry.ts";
import { resolveParams } from "../../models/spec.ts";
import { mulberry32, shuffle } from "../../numeric/random.ts";
import { type P1Data, p1Data } from "../p1.ts";
import { rankingMetrics, scoreTopN } from "../topn.ts";
import { FixedScores, scoreRows } from "./fixed-scores.ts";
import { CostBook, ETA, FIRST_RUNG_RECENCIES, type Plan, PROBE_FLOORS, PROBE_TAUS, planSearch, RUNGS } from "./plan.ts";
import { blendRecipe, fixedRecipe, type ModelChoice, type Recipe } from "./recipe.ts";
import { AUTO_MODELS, dataShape, type ModelSpace, SPACES, sampleConfigs } from "./space.ts";

export const DEFAULT_TUNE_BUDGET_SECONDS = 90;
/** The recency grid the winner's closer look moves on: tau in positions (0 = off), and the floor old events keep. */
export const RECENCY_TAUS = [0, 1, 2, 3, 5, 10, 20, 50] as const;
export const RECENCY_FLOORS = [0.02, 0.05, 0.1, 0.2] as const;
const BLEND_WEIGHTS = [0.3, 0.5, 0.7];
/** Models whose probe scores within this share of the best probe's go on to the rungs; the rest stop there. */
const CONTENDER_GAP = 0.1;
/** Fewer validation users than this make a rung's ranking mostly noise. */
const MIN_RUNG_USERS = 150;
/** Beyond this many validation users another user changes nothing a choice depends on. */
const MAX_VALIDATION_USERS = 3000;
/** A blend is tried on at most this many stored scores per part (users x items, 4 bytes each). */
const BLEND_MAX_CELLS = 25_000_000;
/**
 * The plan is made from estimates; the clock stops the search only when it runs this far past the budget: half
 * as long again, and never less than CLOCK_GRACE_SECONDS more (a small budget on a busy machine is not cut).
 */
const CLOCK_LIMIT = 1.5;
const CLOCK_GRACE_SECONDS = 10;

export interface TuneOptions {
  /** Seconds the search may take, as the cost model estimates them (space.ts). Default DEFAULT_TUNE_BUDGET_SECONDS. */
  budgetSeconds?: number;
  /** Models to compare; default AUTO_MODELS. One model tunes that model only. */
  models?: readonly string[];
  /** A key of the P1 metrics; default ndcg@10. */
  metric?: string;
  seed?: number;
  /** Value weightings to search; default binary, log and bm25 when the values look like counts, else binary. */
  weightings?: readonly ValueTransform[];
  /** Try a blend of the two best models; default true. */
  blend?: boolean;
  /** Estimated seconds done of the planned total, after each trial. */
  onProgress?: (done: number, total: number) => void;
}

export type Stage = "probe" | "halving" | "recency" | "defaults" | "blend";

/** One evaluation on validation. */
export interface Trial {
  stage: Stage;
  model: string;
  /** As fitted (ALS's iterations are fewer in early rungs). */
  params: Params;
  parts?: readonly [ModelChoice, ModelChoice];
  weighting: ValueTransform;
  recency: Recency;
  rung: number;
  users: number;
  metric: number;
  /** Wall seconds: the fit (when this trial needed one) and the scoring. */
  seconds: number;
}

export interface TuningReport {
  metric: string;
  seed: number;
  budgetSeconds: number;
  elapsedSeconds: number;
  /** True when the clock stopped the search before the plan was done (a much slower machine than estimated). */
  cutByClock: boolean;
  validation: { users: number; trainRows: number; heldOutRows: number; scoredUsers: number };
  valuesLookLikeCounts: boolean;
  weightings: ValueTransform[];
  /** Validation users scored at each rung; rung r's users include rung r-1's. */
  rungUsers: number[];
  /** Models that went past their probe, best probe first. */
  contenders: string[];
  plan: Plan;
  /** Models left out, and why. */
  skipped: Record<string, string>;
  /** Each model's defaults without recency weighting, on the compared users: what tuning has to beat. */
  defaults: Array<{ model: string; params: Params; metric: number }>;
  /** Each contender's best, on the compared users, best first. */
  best: Array<Recipe & { metric: number }>;
  chosen: { recipe: Recipe; metric: number; users: number };
  trials: Trial[];
  /** Set when validation could not be carved (too little data): the recipe is the first model's defaults. */
  fallback?: string;
}

/** Play counts and the like: non-negative integers reaching beyond a rating scale. Star ratings and 0/1 are not. */
export function valuesLookLikeCounts(rows: readonly InteractionRow[]): boolean {
  let max = 0;
  for (const { value } of rows) {
    if (!Number.isInteger(value) || value < 0) return false;
    if (value > max) max = value;
  }
  return max > 10;
}

/** Users scored at each rung: from MIN_RUNG_USERS (or all, if fewer) up to all, geometrically. */
export function rungSizes(users: number): number[] {
  const first = Math.min(users, MIN_RUNG_USERS);
  return Array.from({ length: RUNGS }, (_, r) => Math.round(first * (users / first) ** (r / (RUNGS - 1))));
}

interface Arm {
  id: number;
  model: string;
  /** At full fidelity. */
  params: Params;
  weighting: ValueTransform;
  /** Recency settings to score at the next rung. */
  recencies: Recency[];
}

interface Scored {
  arm: Arm;
  recency: Recency;
  metric: number;
}

class ClockStop extends Error {}

const recencyKey = (r: Recency) => (recencyIsOn(r) ? `${r.tau},${r.floor}` : "off");
const asRecipe = (s: Scored): Recipe => ({ model: s.arm.model, params: s.arm.params, weighting: s.arm.weighting, recency: s.recency });

/** Best first; ties to the configuration started earlier (the defaults before any sample). */
function byMetric(a: Scored, b: Scored): number {
  return b.metric - a.metric || a.arm.id - b.arm.id;
}

/**
 * Chooses a model (or a blend of two), its hyper-parameters, the value weighting and the recency weighting on a
 * validation split carved from `rows` exactly as `recagent tune` does (each user's last 20% of rows); nothing
 * else is looked at. First each model's defaults are fitted and scored at a sweep of recency settings on a few
 * validation users (the probe); the models within CONTENDER_GAP of the best go on to successive halving: many
 * sampled configurations on few users (and fewer ALS iterations), the best third kept while the users grow.
 * Recency settings are re-scorings of a fitted model, never refits. Deterministic for a seed: the plan comes
 * from a cost model, not the clock (plan.ts, space.ts).
 */
export async function chooseRecipe(rows: readonly InteractionRow[], opts: TuneOptions = {}): Promise<{ recipe: Recipe; report: TuningReport }> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const budget = opts.budgetSeconds ?? DEFAULT_TUNE_BUDGET_SECONDS;
  if (!(budget > 0)) throw new InputError(`the tuning budget must be a positive number of seconds, got ${budget}`);
  const metric = opts.metric ?? "ndcg@10";
  const seed = opts.seed ?? 42;
  const models = [...new Set(opts.models ?? AUTO_MODELS)];
  if (models.length === 0) throw new InputError("name at least one model to tune");
  for (const model of models) {
    recommenderSpec(model);
    if (!SPACES[model]) throw new InputError(`model ${model} has no tuning space; tunable: ${Object.keys(SPACES).join(", ")}`);
  }
  const counts = valuesLookLikeCounts(rows);
  const weightings: ValueTransform[] = [...(opts.weightings ?? (counts ? ["binary", "log", "bm25"] : ["binary"]))];
  if (weightings.length === 0) throw new InputError("name at least one value weighting to search");

  const validation = splitByUser(rows);
  const dataOf = new Map<ValueTransform, P1Data>();
  const data = (w: ValueTransform) => {
    let d = dataOf.get(w);
    if (!d) dataOf.set(w, (d = p1Data(validation.train, validation.test, w)));
    return d;
  };
  const base = data(weightings[0]);
  const metricNames = Object.keys(rankingMetrics({ ...base, testUsers: new Int32Array(1), relevant: [new Set()] }, [new Int32Array(0)]));
  if (!metricNames.includes(metric)) throw new InputError(`unknown metric ${metric}; valid: ${metricNames.join(", ")}`);

  const trials: Trial[] = [];
  const scoredUsers = Math.min(base.testUsers.length, MAX_VALIDATION_USERS);
  const rungUsers = scoredUsers > 0 ? rungSizes(scoredUsers) : [];
  const report: TuningReport = {
    metric,
    seed,
    budgetSeconds: budget,
    elapsedSeconds: 0,
    cutByClock: false,
    validation: { users: base.testUsers.length, trainRows: validation.train.length, heldOutRows: validation.test.length, scoredUsers },
    valuesLookLikeCounts: counts,
    weightings,
    rungUsers,
    contenders: [],
    plan: { configs: {}, refine: false, blend: false, estimatedSeconds: 0 },
    skipped: {},
    defaults: [],
    best: [],
    chosen: { recipe: fixedRecipe(models[0], {}, weightings[0]), metric: Number.NaN, users: 0 },
    trials,
  };
  const finish = (chosen: TuningReport["chosen"]) => {
    report.chosen = chosen;
    report.elapsedSeconds = elapsed();
    return { recipe: chosen.recipe, report };
  };
  if (scoredUsers === 0) {
    report.fallback = "no user has 5 or more rows, so no validation split can be carved; the first model's defaults are used";
    return finish(report.chosen);
  }

  // Validation users in a seeded order; rung r scores a prefix of it.
  const order = Int32Array.from(base.testUsers.keys());
  shuffle(order, mulberry32(seed));
  const subsets = new Map<string, P1Data>();
  const subset = (w: ValueTransform, users: number) => {
    const key = `${w}:${users}`;
    let s = subsets.get(key);
    if (!s) {
      const d = data(w);
      const picked = Array.from(order.subarray(0, users)).sort((a, b) => a - b);
      subsets.set(key, (s = { train: d.train, testUsers: Int32Array.from(picked, (j) => d.testUsers[j]), relevant: picked.map((j) => d.relevant[j]) }));
    }
    return s;
  };
  const lastRung = RUNGS - 1;
  const costs = new CostBook(dataShape(base.train.matrix, base.train.byItem), rungUsers);
  // Too slow for the budget: skipped, except the cheapest model that reads histories (popularity alone is no choice).
  const fitting = models.filter((m) => {
    const why = SPACES[m].refuses?.(costs.shape);
    if (why) report.skipped[m] = why;
    return !why;
  });
  const keepAnyway = fitting.filter((m) => !SPACES[m].ignoresHistory).sort((a, b) => costs.probe(a) - costs.probe(b))[0] ?? fitting[0];
  const probed = fitting.filter((m) => {
    if (m === keepAnyway || costs.probe(m) <= budget / 2) return true;
    report.skipped[m] = `its defaults' fit and recency sweep would take about ${costs.probe(m).toFixed(0)} s, over half the ${budget} s budget`;
    return false;
  });
  if (probed.length === 0) throw new InputError(`no model can be tuned on this data: ${Object.entries(report.skipped).map(([m, why]) => `${m}: ${why}`).join("; ")}`);

  let planned = probed.reduce((acc, m) => acc + costs.probe(m), 0);
  let done = 0;
  const progress = (estimate: number) => {
    done += estimate;
    opts.onProgress?.(Math.min(done, planned), planned);
  };

  // Fitted models by (model, params as fitted, weighting); metrics by trial, so nothing is scored twice.
  const fits = new Map<string, Recommender>();
  const memo = new Map<string, number>();
  const fidelityParams = (arm: Arm, rung: number) => SPACES[arm.model].atFidelity?.(arm.params, (rung + 1) / RUNGS) ?? arm.params;
  const fitKey = (model: string, params: Params, w: ValueTransform) => JSON.stringify([model, params, w]);
  async function fitted(model: string, params: Params, w: ValueTransform): Promise<{ model: Recommender; fresh: boolean }> {
    const key = fitKey(model, params, w);
    const known = fits.get(key);
    if (known) return { model: known, fresh: false };
    const fresh = recommenderSpec(model).create(params);
    await fresh.fit(data(w).train);
    fits.set(key, fresh);
    return { model: fresh, fresh: true };
  }

  async function evaluate(arm: Arm, rung: number, recency: Recency, stage: Stage, mustRun = false): Promise<number> {
    const params = fidelityParams(arm, rung);
    const users = rungUsers[rung];
    const key = JSON.stringify([arm.model, params, arm.weighting, recencyKey(recency), users]);
    const known = memo.get(key);
    if (known !== undefined) return known;
    if (!mustRun && elapsed() > Math.max(CLOCK_LIMIT * budget, budget + CLOCK_GRACE_SECONDS)) throw new ClockStop();
    const t0 = performance.now();
    const { model, fresh } = await fitted(arm.model, params, arm.weighting);
    const value = scoreTopN(model, subset(arm.weighting, users), { recency }).metrics[metric];
    memo.set(key, value);
    trials.push({ stage, model: arm.model, params, weighting: arm.weighting, recency, rung, users, metric: value, seconds: (performance.now() - t0) / 1000 });
    const cost = costs.at(arm.model, rung, arm.params);
    progress((fresh ? cost.fit : 0) + users * (recencyIsOn(recency) ? cost.perUserFoldIn : cost.perUser));
    return value;
  }

  // The probe: each model's defaults at rung 0, tau swept at the default floor, then the floors at the best tau.
  let armId = 0;
  const arms = new Map<string, Arm[]>();
  const results = new Map<string, Scored[][]>();
  const probes = new Map<string, Scored[]>();
  for (const model of probed) {
    const arm: Arm = { id: armId++, model, params: resolveParams(recommenderSpec(model), {}), weighting: weightings[0], recencies: [] };
    const swept: Scored[] = [];
    const score = async (recency: Recency) => swept.push({ arm, recency, metric: await evaluate(arm, 0, recency, "probe", true) });
    if (SPACES[model].ignoresHistory) await score(NO_RECENCY);
    else {
      for (const tau of PROBE_TAUS) await score(tau === 0 ? NO_RECENCY : { tau, floor: DEFAULT_RECENCY_FLOOR });
      const bestTau = [...swept].sort(byMetric)[0].recency.tau;
      if (bestTau > 0) for (const floor of PROBE_FLOORS) await score({ tau: bestTau, floor });
    }
    swept.sort((a, b) => b.metric - a.metric);
    probes.set(model, swept);
    arm.recencies = [swept[0].recency];
    arms.set(model, [arm]);
    results.set(model, [[swept[0]]]);
  }

  // The plan over the contenders, from estimated costs.
  const probeOrder = probed.map((m) => probes.get(m)![0]).sort(byMetric);
  const contenders = probeOrder.filter((s) => s.metric >= (1 - CONTENDER_GAP) * probeOrder[0].metric).map((s) => s.arm.model);
  report.contenders = contenders;
  const plan = planSearch(costs, probed, contenders, budget, (m) => SPACES[m].maxConfigs);
  report.plan = plan;
  planned = plan.estimatedSeconds;
  const next = mulberry32(seed ^ 0x9e3779b9);
  for (const model of contenders) {
    const [probe] = arms.get(model)!;
    const firstRecencies = probes.get(model)!.slice(0, FIRST_RUNG_RECENCIES).map((s) => s.recency);
    const sampled = sampleWithWeighting(SPACES[model], probe.params, plan.configs[model] - 1, weightings, next);
    arms.get(model)!.push(...sampled.map(({ params, weighting }): Arm => ({ id: armId++, model, params, weighting, recencies: firstRecencies })));
  }

  // Successive halving over the contenders, rung by rung, so a clock stop leaves every model compared on equal users.
  let level = 0;
  try {
    for (let rung = 0; rung < RUNGS; rung++) {
      for (const model of contenders) {
        const space = SPACES[model];
        // A lone configuration has nothing to be compared with before the final rung.
        if (rung > 0 && rung < lastRung && arms.get(model)!.length === 1) continue;
        const ranked = (results.get(model)![rung] ??= []);
        for (const arm of arms.get(model)!) {
          if (rung === 0 && arm === probes.get(model)![0].arm) continue; // scored by the probe
          const scored: Scored[] = [];
          for (const recency of arm.recencies) scored.push({ arm, recency, metric: await evaluate(arm, rung, recency, "halving") });
          scored.sort((a, b) => b.metric - a.metric);
          arm.recencies = [scored[0].recency];
          ranked.push(scored[0]);
          ranked.sort(byMetric);
          // An iterative model refits at the next rung's fidelity anyway: drop the fit now, not at the rung's end.
          if (space.atFidelity && rung < lastRung) fits.delete(fitKey(model, fidelityParams(arm, rung), arm.weighting));
        }
        if (rung < lastRung) arms.set(model, ranked.slice(0, Math.ceil(ranked.length / ETA)).map((s) => s.arm));
      }
      level = rung;
      // Kept: the fits the next rung reads, and each model's defaults fitted in full (the baseline in the end).
      const keep = new Set([
        ...contenders.flatMap((m) => arms.get(m)!).map((a) => fitKey(a.model, fidelityParams(a, Math.min(rung + 1, lastRung)), a.weighting)),
        ...[...probes.values()].map(([{ arm }]) => fitKey(arm.model, fidelityParams(arm, lastRung), arm.weighting)),
      ]);
      for (const key of [...fits.keys()]) if (!keep.has(key)) fits.delete(key);
    }
  } catch (e) {
    if (!(e instanceof ClockStop)) throw e;
    report.cutByClock = true;
    // The highest rung where every contender has a result: models are compared on the same users.
    level = Math.min(...contenders.map((m) => results.get(m)!.findLastIndex((ranked) => ranked !== undefined && ranked.length > 0)));
  }
  const bestOf = (model: string) => results.get(model)![level][0];
  let bests = contenders.map(bestOf).sort(byMetric);

  try {
    // A closer look around the winner's recency setting: the neighbouring tau and floor on the grid.
    if (plan.refine && level === lastRung) {
      const winner = bests[0];
      const around: Scored[] = [winner];
      for (const recency of recencyNeighbours(winner.recency)) around.push({ arm: winner.arm, recency, metric: await evaluate(winner.arm, level, recency, "recency") });
      results.get(winner.arm.model)![level][0] = around.sort((a, b) => b.metric - a.metric)[0];
      bests = contenders.map(bestOf).sort(byMetric);
    }
    for (const model of probed) {
      const arm: Arm = { id: -1, model, params: resolveParams(recommenderSpec(model), {}), weighting: weightings[0], recencies: [] };
      report.defaults.push({ model, params: arm.params, metric: await evaluate(arm, level, NO_RECENCY, "defaults") });
    }
  } catch (e) {
    if (!(e instanceof ClockStop)) throw e;
    report.cutByClock = true;
  }
  report.best = bests.map((s) => ({ ...asRecipe(s), metric: s.metric }));
  const winner = bests[0];
  const partner = bests.find((s) => s.arm.model !== winner.arm.model && s.arm.weighting === winner.arm.weighting);
  if ((opts.blend ?? true) && plan.blend && partner && level === lastRung && !report.cutByClock) {
    const blended = await tryBlends(winner, partner);
    if (blended) return finish(blended);
  }
  return finish({ recipe: asRecipe(winner), metric: winner.metric, users: rungUsers[level] });

  /**
   * Blends of the winner and the best other contender with its weighting, at either one's recency setting, on the
   * final users (fewer if the stored scores would pass BLEND_MAX_CELLS). Kept only when one beats the winner alone
   * on the same users.
   */
  async function tryBlends(winner: Scored, partner: Scored): Promise<TuningReport["chosen"] | undefined> {
    const parts = [winner, partner];
    const d = data(winner.arm.weighting);
    const users = subset(winner.arm.weighting, Math.min(rungUsers[lastRung], Math.max(1, Math.floor(BLEND_MAX_CELLS / d.train.itemCount))));
    const models: Recommender[] = [];
    for (const { arm } of parts) models.push((await fitted(arm.model, fidelityParams(arm, lastRung), arm.weighting)).model);
    const choices: [ModelChoice, ModelChoice] = [
      { model: winner.arm.model, params: winner.arm.params },
      { model: partner.arm.model, params: partner.arm.params },
    ];
    let alone = Number.NEGATIVE_INFINITY;
    let best: TuningReport["chosen"] | undefined;
    const recencies = [winner.recency, partner.recency].filter((r, k, all) => all.findIndex((o) => recencyKey(o) === recencyKey(r)) === k);
    for (const recency of recencies) {
      const t0 = performance.now();
      const stored = models.map((m) => new FixedScores(users.testUsers, scoreRows(m, d.train, users.testUsers, recency), m.itemCount));
      // The winner alone at its own setting (the first one) on these users: what a blend has to beat.
      if (recency === winner.recency) alone = scoreTopN(stored[0], users).metrics[metric];
      let seconds = (performance.now() - t0) / 1000;
      for (const weight of BLEND_WEIGHTS) {
        const t1 = performance.now();
        const value = scoreTopN(new Blend([stored[0], stored[1]], weight), users).metrics[metric];
        const recipe = blendRecipe(choices, weight, winner.arm.weighting, recency);
        seconds += (performance.now() - t1) / 1000;
        trials.push({ stage: "blend", model: recipe.model, params: recipe.params, parts: recipe.parts, weighting: recipe.weighting, recency, rung: lastRung, users: users.testUsers.length, metric: value, seconds });
        seconds = 0;
        if (value > alone && (!best || value > best.metric)) best = { recipe, metric: value, users: users.testUsers.length };
      }
      progress(users.testUsers.length * (costs.foldIn(winner.arm.model) + costs.foldIn(partner.arm.model)));
    }
    return best;
  }
}

/** The settings next to `r` on the tau x floor grid (none for "off": validation said recency does not help). */
export function recencyNeighbours(r: Recency): Recency[] {
  if (!recencyIsOn(r)) return [];
  const t = RECENCY_TAUS.indexOf(r.tau as (typeof RECENCY_TAUS)[number]);
  const f = RECENCY_FLOORS.indexOf(r.floor as (typeof RECENCY_FLOORS)[number]);
  const out: Recency[] = [];
  for (const step of [-1, 1]) {
    const tau = RECENCY_TAUS[t + step];
    if (t >= 0 && tau !== undefined && tau > 0) out.push({ tau, floor: r.floor });
  }
  for (const step of [-1, 1]) {
    const floor = RECENCY_FLOORS[f + step];
    if (f >= 0 && floor !== undefined) out.push({ tau: r.tau, floor });
  }
  return out;
}

/** Configurations with the value weighting as one more stratified dimension (when there is a choice). */
function sampleWithWeighting(space: ModelSpace, defaults: Params, count: number, weightings: readonly ValueTransform[], next: () => number): Array<{ params: Params; weighting: ValueTransform }> {
  if (count <= 0) return [];
  const WEIGHTING = "__weighting";
  const withWeighting: ModelSpace = weightings.length > 1 ? { ...space, dims: { ...space.dims, [WEIGHTING]: { values: weightings.map((_, k) => k) } } } : space;
  return sampleConfigs(withWeighting, defaults, count, next).map((sampled) => {
    const { [WEIGHTING]: k = 0, ...params } = sampled;
    return { params, weighting: weightings[k] };
  });
}
