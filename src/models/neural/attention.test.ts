import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../numeric/random.ts";
import { createAttentionKernels } from "../../numeric/attention-kernels-wasm.ts";
import { attentionForwardReference } from "../../numeric/attention-kernels.ts";
import { CausalAttention, type Packed } from "./attention.ts";
import { Dropout } from "./dropout.ts";
import { gradCheck } from "./grad-check.ts";

const randomMatrix = (rows: number, cols: number, next: () => number) => ({ rows, cols, data: Float32Array.from({ length: rows * cols }, () => next() * 2 - 1) });

/** sum(out * r): a scalar whose gradient with respect to out is r. */
function projected(layer: CausalAttention, input: Packed, r: Float32Array): number {
  const out = layer.forward(input, true).x.data;
  let s = 0;
  for (let i = 0; i < out.length; i++) s += out[i] * r[i];
  return s;
}

describe("CausalAttention", () => {
  for (const kernels of ["js", "auto"] as const) {
    for (const heads of [1, 2]) {
      it(`matches finite differences of its input (${heads} head${heads > 1 ? "s" : ""}, three packed sequences, ${kernels} kernels)`, () => {
        const next = mulberry32(7 + heads);
        const width = 4;
        const offsets = Int32Array.from([0, 3, 4, 9]);
        const input = randomMatrix(9, 3 * width, next);
        const layer = new CausalAttention(width, heads, 8, createAttentionKernels(kernels));
        const r = randomMatrix(9, width, next).data;
        const result = gradCheck({
          params: [],
          inputs: [input.data],
          loss: () => projected(layer, { x: input, offsets }, r),
          backward: () => [layer.backward({ x: { rows: 9, cols: width, data: r }, offsets }).x.data],
        }, { samples: input.data.length });
        expect(result.checked).toBe(input.data.length);
        expect(result.maxError, result.worst).toBeLessThan(1e-2);
      });
    }
  }

  for (const kernels of ["js", "auto"] as const) {
    it(`matches finite differences with dropout on its weights (${kernels} kernels, the same mask on every call)`, () => {
      const next = mulberry32(17);
      const width = 4;
      const offsets = Int32Array.from([0, 6, 7, 12]);
      const input = randomMatrix(12, 3 * width, next);
      // A mulberry32 stream restarted before each forward, so every loss() of the check draws the same mask.
      let stream = mulberry32(1);
      const restartable = Object.assign(() => stream(), { skip: (n: number) => stream.skip(n) });
      const layer = new CausalAttention(width, 2, 8, createAttentionKernels(kernels), { rate: 0.3, next: restartable });
      const r = randomMatrix(12, width, next).data;
      const loss = () => {
        stream = mulberry32(1);
        return projected(layer, { x: input, offsets }, r);
      };
      const plain = new CausalAttention(width, 2, 8, createAttentionKernels(kernels));
      expect(loss()).not.toBeCloseTo(projected(plain, { x: input, offsets }, r), 3);
      const result = gradCheck({
        params: [],
        inputs: [input.data],
        loss,
        backward: () => [layer.backward({ x: { rows: 12, cols: width, data: r }, offsets }).x.data],
      }, { samples: input.data.length });
      expect(result.checked).toBe(input.data.length);
      expect(result.maxError, result.worst).toBeLessThan(1e-2);
      // What it reports is the undropped softmax, and outside training nothing is dropped.
      const w = layer.lastRowWeights(0);
      expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(Array.from(layer.forward({ x: input, offsets }, false).x.data)).toEqual(Array.from(plain.forward({ x: input, offsets }, false).x.data));
    });
  }

  it("draws its weight-dropout masks as Dropout draws masks from the same stream", () => {
    const width = 4;
    const offsets = Int32Array.from([0, 5]);
    const input = randomMatrix(5, 3 * width, mulberry32(2));
    const layer = new CausalAttention(width, 1, 8, createAttentionKernels(), { rate: 0.5, next: mulberry32(9) });
    const out = layer.forward({ x: input, offsets }, true).x.data;
    // 15 weights (a triangle of 5); the same draws as Dropout's mask over 15 entries.
    const dropout = new Dropout(0.5, mulberry32(9));
    const mask = dropout.forward({ rows: 1, cols: 15, data: new Float32Array(15).fill(1) }, true).data;
    const weights = new Float32Array(15);
    const expected = new Float32Array(5 * width);
    const shape = { offsets, weightStart: Int32Array.from([0, 15]), width, heads: 1, maxLength: 8 };
    attentionForwardReference(shape, input.data, expected, weights, mask);
    for (let i = 0; i < expected.length; i++) expect(out[i]).toBeCloseTo(expected[i], 5);
  });

  it("is causal and never looks across sequences", () => {
    const next = mulberry32(3);
    const width = 4;
    const offsets = Int32Array.from([0, 5, 10]);
    const input = { x: randomMatrix(10, 3 * width, next), offsets };
    const layer = new CausalAttention(width, 1, 8);
    const before = layer.forward(input, false).x.data.slice();
    // Change position 3 of the first sequence and all of the second: positions 0..2 must not move.
    for (let c = 0; c < 3 * width; c++) input.x.data[3 * 3 * width + c] += 1;
    for (let k = 5 * 3 * width; k < input.x.data.length; k++) input.x.data[k] += 1;
    const after = layer.forward({ x: input.x, offsets: Int32Array.from([0, 5, 10]) }, false).x.data;
    expect(Array.from(after.subarray(0, 3 * width))).toEqual(Array.from(before.subarray(0, 3 * width)));
    expect(Array.from(after.subarray(3 * width, 4 * width))).not.toEqual(Array.from(before.subarray(3 * width, 4 * width)));
  });

  it("gives the last position's weights over its own sequence, summing to 1", () => {
    const next = mulberry32(5);
    const width = 4;
    const layer = new CausalAttention(width, 2, 8);
    const input = { x: randomMatrix(7, 3 * width, next), offsets: Int32Array.from([0, 4, 7]) };
    layer.forward(input, false);
    const w = layer.lastRowWeights(1);
    expect(w.length).toBe(3);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(w.every((x) => x > 0)).toBe(true);
  });

  it("attends to the key that matches the query", () => {
    // One head, width 2: keys are one-hot and large, the last query points at key 1, so position 2 looks at 1.
    const layer = new CausalAttention(2, 1, 4);
    const rows = [
      [0, 0, 10, 0, 1, 0],
      [0, 0, 0, 10, 0, 1],
      [0, 10, 0, 0, 5, 5],
    ];
    layer.forward({ x: { rows: 3, cols: 6, data: Float32Array.from(rows.flat()) }, offsets: Int32Array.from([0, 3]) }, false);
    const w = layer.lastRowWeights(0);
    expect(w[1]).toBeGreaterThan(0.99);
  });
});
