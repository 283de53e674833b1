import type { InteractionRow, Item } from "../../core/types.ts";
import { InputError } from "../../core/errors.ts";
import { Interactions, type ValueTransform } from "../../data/interactions.ts";
import type { SavedModel } from "../../models/persist.ts";
import { NO_RECENCY, type Recency, recencyIsOn } from "../../models/recency.ts";
import type { FitOptions, Recommender } from "../../models/recommender.ts";
import { recommenderSpec } from "../../models/registry.ts";
import { chooseRecipe, type TuningReport } from "./choose.ts";
import { buildRecipe, fixedRecipe, type Recipe } from "./recipe.ts";

export interface TrainOptions {
  /** A model name, or "auto" (only with tuning). */
  model: string;
  /** Choose parameters (and with "auto" the model) on validation carved from `rows`; else the defaults. */
  tune: boolean;
  budgetSeconds?: number;
  /** Fixes the value weighting; otherwise tuning chooses it (binary without tuning). */
  weighting?: ValueTransform;
  /** Without tuning: parameters over the defaults, and the recency weighting. */
  overrides?: Readonly<Record<string, string | number>>;
  recency?: Recency;
  onTuneProgress?: (done: number, total: number) => void;
  onFitProgress?: FitOptions["onProgress"];
  /** Item content by id, for models that read it (FitOptions.items). */
  catalog?: { get(id: string): Item | undefined };
}

export interface TrainedModel {
  recipe: Recipe;
  tuning?: TuningReport;
  /** The interactions the model was fitted on (built with recipe.weighting). */
  data: Interactions;
  model: Recommender;
  fitSeconds: number;
}

/** What `recagent train` and the service's build share: tune (or not), then fit the recipe on every row. */
export async function trainModel(rows: readonly InteractionRow[], o: TrainOptions): Promise<TrainedModel> {
  if (o.model === "auto" && !o.tune) throw new InputError("model auto is chosen by tuning; without tuning name the model (e.g. ease or als)");
  if (o.model !== "auto") recommenderSpec(o.model);
  let recipe: Recipe;
  let tuning: TuningReport | undefined;
  if (o.tune) {
    ({ recipe, report: tuning } = await chooseRecipe(rows, {
      budgetSeconds: o.budgetSeconds,
      models: o.model === "auto" ? undefined : [o.model],
      weightings: o.weighting && [o.weighting],
      onProgress: o.onTuneProgress,
    }));
  } else recipe = fixedRecipe(o.model, o.overrides, o.weighting, o.recency ?? NO_RECENCY);
  const data = Interactions.fromRows(rows, recipe.weighting);
  const model = buildRecipe(recipe);
  const t0 = performance.now();
  await model.fit(data, { onProgress: o.onFitProgress, items: o.catalog && data.items.toArray().map((id) => o.catalog!.get(id)) });
  return { recipe, tuning, data, model, fitSeconds: (performance.now() - t0) / 1000 };
}

/** A fitted model with what serving it needs: id maps, each user's items with their ages, the recency setting. */
export function savedModelOf(model: Recommender, data: Interactions, recency: Recency = NO_RECENCY): SavedModel {
  return {
    artifact: model.toArtifact(),
    users: data.users.toArray(),
    items: data.items.toArray(),
    seen: data.matrix,
    seenAges: data.ages,
    ...(recencyIsOn(recency) ? { recency } : {}),
  };
}

/** One line for people: how many trials, how long, and the chosen recipe's validation figure. */
export function describeTuning(tuning: TuningReport): string {
  const chosen = tuning.fallback ?? `validation ${tuning.metric} ${tuning.chosen.metric.toFixed(4)} on ${tuning.chosen.users} users`;
  return `${tuning.trials.length} trials in ${tuning.elapsedSeconds.toFixed(1)} s; ${chosen}`;
}
