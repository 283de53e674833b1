import { InputError } from "../../core/errors.ts";
import type { ValueTransform } from "../../data/interactions.ts";
import { Blend } from "../../models/blend.ts";
import { NO_RECENCY, type Recency, recencyIsOn } from "../../models/recency.ts";
import type { Params, Recommender } from "../../models/recommender.ts";
import { recommenderSpec } from "../../models/registry.ts";
import { resolveParams } from "../../models/spec.ts";

/** One model and its hyper-parameters. */
export interface ModelChoice {
  model: string;
  params: Params;
}

/**
 * Everything needed to train the chosen model again: which model (or blend of two), its parameters, how raw
 * values become matrix values (the Interactions to fit on: `Interactions.fromRows(rows, recipe.weighting)`), and
 * how histories are weighted by recency when scoring (what a SavedModel's `recency` holds).
 */
export interface Recipe {
  /** A model name of the registry, or "blend". */
  model: string;
  /** The model's parameters; for a blend { weight }, the first part's share of the standardised scores. */
  params: Params;
  /** A blend's two parts. */
  parts?: readonly [ModelChoice, ModelChoice];
  weighting: ValueTransform;
  recency: Recency;
}

/** The recipe of `model` with its defaults (overlaid with `overrides`) and no tuning. */
export function fixedRecipe(model: string, overrides: Readonly<Record<string, string | number>> = {}, weighting: ValueTransform = "binary", recency: Recency = NO_RECENCY): Recipe {
  return { model, params: resolveParams(recommenderSpec(model), overrides), weighting, recency };
}

/** A blend of two choices: `weight` is the first one's share. */
export function blendRecipe(parts: readonly [ModelChoice, ModelChoice], weight: number, weighting: ValueTransform, recency: Recency): Recipe {
  return { model: "blend", params: { weight }, parts, weighting, recency };
}

/** The unfitted recommender a recipe describes; fit it on Interactions built with `recipe.weighting`. */
export function buildRecipe(recipe: Recipe): Recommender {
  if (recipe.model !== "blend") return recommenderSpec(recipe.model).create(resolveParams(recommenderSpec(recipe.model), recipe.params));
  const { parts } = recipe;
  if (!parts) throw new InputError("a blend recipe needs its two parts");
  const weight = recipe.params.weight;
  if (!(weight >= 0 && weight <= 1)) throw new InputError(`a blend's weight is the first part's share, in [0, 1]; got ${weight}`);
  return new Blend([buildRecipe({ ...recipe, ...parts[0], parts: undefined }), buildRecipe({ ...recipe, ...parts[1], parts: undefined })], weight);
}

/** One line for people: "blend 0.7 x ease(lambda=310) + als(...), weighting log, recency tau 5 floor 0.1". */
export function describeRecipe(recipe: Recipe): string {
  const choice = (c: ModelChoice) => `${c.model}(${Object.entries(c.params).map(([k, v]) => `${k}=${v}`).join(", ")})`;
  const what = recipe.model === "blend" && recipe.parts ? `blend ${recipe.params.weight} x ${choice(recipe.parts[0])} + ${choice(recipe.parts[1])}` : choice(recipe);
  const recency = recencyIsOn(recipe.recency) ? `recency tau ${recipe.recency.tau} floor ${recipe.recency.floor}` : "no recency weighting";
  return `${what}, weighting ${recipe.weighting}, ${recency}`;
}
