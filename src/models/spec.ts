import { InputError } from "../core/errors.ts";
import type { ModelArtifact, Params } from "./recommender.ts";

export interface ParamSpec {
  default: number;
  min: number;
  max: number;
  integer?: boolean;
  help: string;
}

/** How to build, name and restore one model. Hyper-parameters live here, apart from run settings. */
export interface ModelSpec<M> {
  name: string;
  summary: string;
  params: Readonly<Record<string, ParamSpec>>;
  /** The grid `recagent tune` searches when none is given: the one the defaults were chosen from. */
  grid?: Readonly<Record<string, readonly number[]>>;
  create(params: Params): M;
  restore(artifact: ModelArtifact): M;
}

/**
 * Defaults overlaid with `overrides` (strings from the command line or numbers from code). Unknown names
 * and out-of-range values are InputErrors that list what is valid.
 */
export function resolveParams(spec: ModelSpec<unknown>, overrides: Readonly<Record<string, string | number>> = {}): Params {
  const out: Record<string, number> = {};
  for (const [key, p] of Object.entries(spec.params)) out[key] = p.default;
  for (const [key, raw] of Object.entries(overrides)) {
    const p = spec.params[key];
    if (!p) {
      const valid = Object.keys(spec.params);
      throw new InputError(
        `unknown parameter "${key}" for model ${spec.name}; valid: ${valid.length ? valid.join(", ") : "(none)"}`,
      );
    }
    const value = typeof raw === "number" ? raw : raw.trim() === "" ? Number.NaN : Number(raw);
    if (!Number.isFinite(value) || value < p.min || value > p.max || (p.integer && !Number.isInteger(value))) {
      throw new InputError(
        `${spec.name} parameter ${key}=${raw} is invalid: expected ${p.integer ? "an integer" : "a number"} in [${p.min}, ${p.max}] (${p.help})`,
      );
    }
    out[key] = value;
  }
  return out;
}
