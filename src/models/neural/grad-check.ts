import { mulberry32 } from "../../numeric/random.ts";
import { zeroGrads } from "./param.ts";
import type { Layer, Matrix, Param } from "./types.ts";

/** What gradCheck differentiates: a scalar loss of some parameters and inputs, and its hand-written gradients. */
export interface GradCheckCase {
  params: readonly Param[];
  /** Inputs whose gradients are checked too (perturbed in place). */
  inputs?: readonly Float32Array[];
  /** Runs forward and returns the loss (it is called many times with perturbed values). */
  loss(): number;
  /** Runs backward after a loss() call: accumulates parameter gradients, returns the inputs' gradients in order. */
  backward(): readonly Float32Array[];
}

export interface GradCheckResult {
  /** Largest |analytic - numeric| / max(|analytic| + |numeric|, floor) over the checked coordinates. */
  maxError: number;
  /** Where maxError was found, e.g. "dense.weight[12]: analytic 0.31 numeric 0.309". */
  worst: string;
  checked: number;
}

/**
 * Compares hand-written gradients with central finite differences, (L(x + eps) - L(x - eps)) / 2 eps, at up
 * to `samples` random coordinates of every parameter and input. Float32 layers need eps around 1e-3..1e-2 and
 * give errors around 1e-3; a wrong backward pass gives errors near 1.
 */
export function gradCheck(c: GradCheckCase, o: { samples?: number; eps?: number; seed?: number; floor?: number } = {}): GradCheckResult {
  const samples = o.samples ?? 24;
  const eps = o.eps ?? 1e-2;
  const floor = o.floor ?? 1e-3;
  const next = mulberry32(o.seed ?? 7);
  zeroGrads(c.params);
  c.loss();
  const inputGrads = c.backward().map((g) => g.slice());
  const targets: Array<{ name: string; values: Float32Array; analytic: Float32Array }> = [
    ...c.params.map((p) => ({ name: p.name, values: p.value, analytic: p.grad.slice() })),
    ...(c.inputs ?? []).map((values, k) => ({ name: `input${k}`, values, analytic: inputGrads[k] })),
  ];
  let maxError = 0;
  let worst = "";
  let checked = 0;
  for (const t of targets) {
    const n = Math.min(samples, t.values.length);
    const picks = n === t.values.length ? Array.from({ length: n }, (_, i) => i) : Array.from({ length: n }, () => Math.floor(next() * t.values.length));
    for (const i of picks) {
      const saved = t.values[i];
      t.values[i] = saved + eps;
      const up = c.loss();
      t.values[i] = saved - eps;
      const down = c.loss();
      t.values[i] = saved;
      const numeric = (up - down) / (2 * eps);
      const analytic = t.analytic[i];
      const error = Math.abs(analytic - numeric) / Math.max(Math.abs(analytic) + Math.abs(numeric), floor);
      checked++;
      if (error > maxError) {
        maxError = error;
        worst = `${t.name}[${i}]: analytic ${analytic} numeric ${numeric}`;
      }
    }
  }
  zeroGrads(c.params);
  return { maxError, worst, checked };
}

/**
 * The usual case for one layer: loss = sum of (fixed random weights * output), so d(loss)/d(output) is those
 * weights, checked through the layer's parameters and its input.
 */
export function layerCase(layer: Layer, input: Matrix, seed = 3, train = false): GradCheckCase {
  const next = mulberry32(seed);
  let weights: Float32Array | undefined;
  let out: Matrix | undefined;
  return {
    params: layer.params(),
    inputs: [input.data],
    loss() {
      out = layer.forward(input, train);
      weights ??= Float32Array.from({ length: out.data.length }, () => 2 * next() - 1);
      let s = 0;
      for (let i = 0; i < out.data.length; i++) s += weights[i] * out.data[i];
      return s;
    },
    backward() {
      const dx = layer.backward({ rows: out!.rows, cols: out!.cols, data: weights!.slice() });
      return [dx.data];
    },
  };
}
