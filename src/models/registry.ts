import { InputError } from "../core/errors.ts";
import { alsSpec } from "./als.ts";
import { bprSpec } from "./bpr.ts";
import { easeSpec } from "./ease.ts";
import { itemKnnSpec } from "./itemknn.ts";
import { popularitySpec } from "./popularity.ts";
import { sasrecSpec } from "./sasrec.ts";
import { twoTowerSpec } from "./twotower.ts";
import { baselineSpec } from "./rating/baseline.ts";
import { svdSpec } from "./rating/biased-mf.ts";
import { svdppSpec } from "./rating/svdpp.ts";
import { Blend } from "./blend.ts";
import type { ModelArtifact, RatingModel, Recommender } from "./recommender.ts";
import type { ModelSpec } from "./spec.ts";
import { userKnnSpec } from "./userknn.ts";

/** Top-N models over implicit feedback (protocol P1), by CLI name. */
export const RECOMMENDERS: Readonly<Record<string, ModelSpec<Recommender>>> = {
  pop: popularitySpec,
  // recommenders: one line per model, `name: spec,`
  itemknn: itemKnnSpec,
  ease: easeSpec,
  userknn: userKnnSpec,
  bpr: bprSpec,
  als: alsSpec,
  twotower: twoTowerSpec,
  sasrec: sasrecSpec,
};

/** Explicit rating predictors (protocol P3), by CLI name. */
export const RATING_MODELS: Readonly<Record<string, ModelSpec<RatingModel>>> = {
  // rating models: one line per model, `name: spec,`
  baseline: baselineSpec,
  svd: svdSpec,
  svdpp: svdppSpec,
};

function lookup<M>(table: Readonly<Record<string, ModelSpec<M>>>, name: string, kind: string): ModelSpec<M> {
  const spec = table[name];
  if (!spec) throw new InputError(`unknown ${kind} "${name}"; valid: ${Object.keys(table).join(", ")}`);
  return spec;
}

export const recommenderSpec = (name: string) => lookup(RECOMMENDERS, name, "model");

/** Any saved top-N model, blends of two included. */
export function restoreRecommender(a: ModelArtifact): Recommender {
  return a.model === "blend" ? Blend.restore(a, restoreRecommender) : recommenderSpec(a.model).restore(a);
}
export const ratingModelSpec = (name: string) => lookup(RATING_MODELS, name, "rating model");
