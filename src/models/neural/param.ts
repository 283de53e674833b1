import { normalSampler } from "../../numeric/random.ts";
import type { Param } from "./types.ts";

/** A dense parameter holding `value` (copied in), with a zero gradient. */
export function denseParam(name: string, value: Float32Array): Param {
  return { name, value, grad: new Float32Array(value.length) };
}

/**
 * An embedding table (rows x width) whose optimiser touches only the rows a step used. `allocate` places the
 * value and the gradient (SparseKernels.allocate: where the training kernels work on them in place).
 */
export function tableParam(name: string, rows: number, width: number, value: Float32Array = new Float32Array(rows * width), allocate?: (length: number) => Float32Array): Param {
  if (value.length !== rows * width) throw new Error(`${name}: ${rows} x ${width} needs ${rows * width} floats, got ${value.length}`);
  const placed = allocate ? allocate(rows * width) : value;
  if (placed !== value) placed.set(value);
  return { name, value: placed, grad: allocate ? allocate(rows * width) : new Float32Array(rows * width), touched: { rows: new Set(), width } };
}

/** Glorot/Xavier uniform weights for a fanIn x fanOut matrix, drawn in order from `next`. */
export function glorotUniform(fanIn: number, fanOut: number, next: () => number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < out.length; i++) out[i] = (2 * next() - 1) * limit;
  return out;
}

/** Normal(0, std) values, drawn in order from `next`. */
export function normalArray(length: number, std: number, next: () => number): Float32Array {
  const normal = normalSampler(next);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = std * normal();
  return out;
}

/** Sets every gradient to zero (touched rows only for tables) and forgets the touched rows. */
export function zeroGrads(params: readonly Param[]): void {
  for (const p of params) {
    if (p.touched) {
      const w = p.touched.width;
      for (const r of p.touched.rows) p.grad.fill(0, r * w, (r + 1) * w);
      p.touched.rows.clear();
    } else p.grad.fill(0);
  }
}
