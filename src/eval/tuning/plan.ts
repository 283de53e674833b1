import type { Params } from "../../models/recommender.ts";
import { recommenderSpec } from "../../models/registry.ts";
import { resolveParams } from "../../models/spec.ts";
import { type Cost, type DataShape, SPACES } from "./space.ts";

/** Successive halving: RUNGS rungs, a third of the configurations kept at each while the users scored grow. */
export const RUNGS = 3;
export const ETA = 3;
/** First look at recency, on each model's defaults: a coarse sweep of tau at the default floor... */
export const PROBE_TAUS = [0, 2, 5, 20] as const;
/** ...then these floors at the best tau. */
export const PROBE_FLOORS = [0.02, 0.1, 0.2] as const;
/** Recency settings a sampled configuration is scored at in rung 0 (the best of its model's probe); later, its own best. */
export const FIRST_RUNG_RECENCIES = 2;
/** Neighbouring recency settings the winner is scored at in the end. */
export const REFINE_SETTINGS = 4;
/** Every contender gets this many configurations before the budget goes to the recency refinement and the blend. */
const FIRST_CONFIGS = 3;
/**
 * The cost model's constants were fitted at load 5-8 (space.ts); on the same shared 2-core machine at load 12 the
 * search ran 1.8x its estimate and the clock cut it. Planning with this margin keeps a plan inside the clock's
 * limit there, at the price of finishing early on a quiet machine.
 */
const COST_MARGIN = 1.5;

/** What the search will do, decided from estimated costs only, so it is the same on every run. */
export interface Plan {
  /** Configurations started per model (1 = its defaults only). */
  configs: Record<string, number>;
  refine: boolean;
  blend: boolean;
  /** Estimated seconds of everything planned, the probes included. */
  estimatedSeconds: number;
}

/** Estimated seconds of each step of the search on data of one shape (space.ts has the per-model cost model). */
export class CostBook {
  private readonly last: number;

  constructor(
    readonly shape: DataShape,
    readonly rungUsers: readonly number[],
  ) {
    this.last = rungUsers.length - 1;
  }

  /** A model's defaults at a rung's fidelity. */
  at(model: string, rung: number, params: Params = resolveParams(recommenderSpec(model), {})): Cost {
    const space = SPACES[model];
    const c = space.cost(this.shape, space.atFidelity?.(params, (rung + 1) / RUNGS) ?? params);
    return { fit: c.fit * COST_MARGIN, perUser: c.perUser * COST_MARGIN, perUserFoldIn: c.perUserFoldIn * COST_MARGIN };
  }

  /** Per user scored with recency weighting (the same as plain for a model that ignores histories). */
  foldIn(model: string, rung = this.last): number {
    const c = this.at(model, rung);
    return SPACES[model].ignoresHistory ? c.perUser : c.perUserFoldIn;
  }

  /** The defaults fitted at rung 0 and scored at every probe setting. */
  probe(model: string): number {
    const c = this.at(model, 0);
    const settings = SPACES[model].ignoresHistory ? 0 : PROBE_TAUS.length - 1 + PROBE_FLOORS.length;
    return c.fit + this.rungUsers[0] * (c.perUser + settings * c.perUserFoldIn);
  }

  /**
   * The defaults fitted in full and scored without recency on the final users: the baseline in the report. Only
   * an iterative model refits (the probe's fit of the others is kept).
   */
  defaults(model: string): number {
    const c = this.at(model, this.last);
    return (SPACES[model].atFidelity ? c.fit : 0) + this.rungUsers[this.last] * c.perUser;
  }

  /** The rungs for n configurations, the probe's rung 0 excepted: a refit wherever the fidelity changes. */
  halving(model: string, n: number): number {
    let total = 0;
    for (let r = 0, alive = n; r < RUNGS; r++, alive = Math.ceil(alive / ETA)) {
      if (r > 0 && r < RUNGS - 1 && alive === 1) continue; // a lone configuration goes straight to the final rung
      const c = this.at(model, r);
      const fresh = r === 0 ? alive - 1 : alive;
      const refit = r === 0 || SPACES[model].atFidelity ? c.fit : 0;
      total += fresh * (refit + this.rungUsers[r] * (r === 0 ? FIRST_RUNG_RECENCIES : 1) * this.foldIn(model, r));
    }
    return total;
  }

  refine(model: string): number {
    return REFINE_SETTINGS * this.rungUsers[this.last] * this.foldIn(model);
  }

  /** Stored scores of both parts at up to two recency settings. */
  blend(a: string, b: string): number {
    return 2 * this.rungUsers[this.last] * (this.foldIn(a) + this.foldIn(b));
  }
}

/**
 * How many configurations each contender starts with, after the probes. In order: every contender's defaults
 * through all rungs and every model's baseline (whatever the budget: a choice needs them); up to FIRST_CONFIGS
 * configurations each; the recency refinement of the leader; the blend of the leader and the runner-up; then one
 * more configuration at a time to the contender that has spent least, until the budget is spent or every space
 * is exhausted.
 */
export function planSearch(costs: CostBook, probed: readonly string[], contenders: readonly string[], budget: number, maxConfigs: (model: string) => number): Plan {
  const configs: Record<string, number> = Object.fromEntries(probed.map((m) => [m, 1]));
  let spent = 0;
  for (const model of probed) spent += costs.probe(model) + costs.defaults(model);
  for (const model of contenders) spent += costs.halving(model, 1);
  const grow = (cap: (model: string) => number) => {
    const open = new Set(contenders);
    while (open.size > 0) {
      let model = "";
      for (const m of open) if (!model || costs.halving(m, configs[m]) < costs.halving(model, configs[model])) model = m;
      const step = costs.halving(model, configs[model] + 1) - costs.halving(model, configs[model]);
      if (configs[model] >= cap(model) || spent + step > budget) open.delete(model);
      else {
        configs[model]++;
        spent += step;
      }
    }
  };
  grow((m) => Math.min(FIRST_CONFIGS, maxConfigs(m)));
  const [leader, runnerUp] = contenders;
  const refine = leader !== undefined && spent + costs.refine(leader) <= budget;
  if (refine) spent += costs.refine(leader);
  const blend = runnerUp !== undefined && spent + costs.blend(leader, runnerUp) <= budget;
  if (blend) spent += costs.blend(leader, runnerUp);
  grow(maxConfigs);
  return { configs, refine, blend, estimatedSeconds: spent };
}
