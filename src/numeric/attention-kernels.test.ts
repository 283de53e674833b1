import { describe, expect, it } from "vitest";
import { type AttentionShape, attentionBackwardReference, attentionForwardReference } from "./attention-kernels.ts";
import { createAttentionKernels } from "./attention-kernels-wasm.ts";
import { mulberry32 } from "./random.ts";

/** Packed sequences of the given lengths with random [q | k | v] rows. */
function packed(lengths: number[], width: number, heads: number, seed: number) {
  const next = mulberry32(seed);
  const offsets = new Int32Array(lengths.length + 1);
  const weightStart = new Int32Array(lengths.length + 1);
  lengths.forEach((n, s) => {
    offsets[s + 1] = offsets[s] + n;
    weightStart[s + 1] = weightStart[s] + (heads * n * (n + 1)) / 2;
  });
  const rows = offsets[lengths.length];
  const shape: AttentionShape = { offsets, weightStart, width, heads, maxLength: Math.max(...lengths) };
  const qkv = Float32Array.from({ length: rows * 3 * width }, () => 2 * next() - 1);
  const gradOut = Float32Array.from({ length: rows * width }, () => 2 * next() - 1);
  return { shape, qkv, gradOut, rows, triangles: weightStart[lengths.length] };
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe("attention kernels: WebAssembly SIMD against the TypeScript reference", () => {
  const wasm = createAttentionKernels();
  it("compiles here", () => {
    expect(wasm.label).toBe("wasm-simd");
  });

  // Widths with and without a whole number of f32x4 per head (50 = SASRec's hidden size, 6 / 2 heads = 3), and
  // heads of 16 floats and more (the backward pass sums 16, then 4, then 1 float at a time).
  for (const [width, heads, lengths] of [
    [64, 1, [50, 1, 17, 50, 3]],
    [50, 1, [12, 50, 2]],
    [6, 2, [5, 1, 4]],
    [64, 4, [33, 8]],
    [40, 2, [9, 3, 20]],
  ] as const) {
    it(`forward and backward agree (width ${width}, ${heads} head${heads > 1 ? "s" : ""}, lengths ${lengths.join(",")})`, () => {
      const { shape, qkv, gradOut, rows, triangles } = packed([...lengths], width, heads, width + heads);
      const outRef = new Float32Array(rows * width);
      const weightsRef = new Float32Array(triangles);
      attentionForwardReference(shape, qkv, outRef, weightsRef);
      const out = new Float32Array(rows * width).fill(9);
      const weights = new Float32Array(triangles);
      wasm.forward(shape, qkv, out, weights);
      expect(maxDiff(out, outRef)).toBeLessThan(1e-5);
      expect(maxDiff(weights, weightsRef)).toBeLessThan(1e-6);

      const gradRef = new Float32Array(rows * 3 * width);
      attentionBackwardReference(shape, qkv, weightsRef, gradOut, gradRef);
      const grad = new Float32Array(rows * 3 * width).fill(9);
      wasm.backward(shape, qkv, weights, gradOut, grad);
      expect(maxDiff(grad, gradRef)).toBeLessThan(1e-4);
      expect(gradRef.some((g) => g !== 0)).toBe(true);
    });
  }

  for (const [width, heads, lengths] of [
    [50, 1, [12, 50, 2]],
    [40, 2, [9, 3, 20]],
  ] as const) {
    it(`agree with a dropout mask on the weights, which keep the undropped softmax (width ${width}, ${heads} head${heads > 1 ? "s" : ""})`, () => {
      const { shape, qkv, gradOut, rows, triangles } = packed([...lengths], width, heads, 3 * width + heads);
      const next = mulberry32(width);
      const mask = Float32Array.from({ length: triangles }, () => (next() < 0.3 ? 0 : 1 / 0.7));
      const outRef = new Float32Array(rows * width);
      const weightsRef = new Float32Array(triangles);
      attentionForwardReference(shape, qkv, outRef, weightsRef, mask);
      const out = new Float32Array(rows * width).fill(9);
      const weights = new Float32Array(triangles);
      wasm.forward(shape, qkv, out, weights, mask);
      expect(maxDiff(out, outRef)).toBeLessThan(1e-5);
      expect(maxDiff(weights, weightsRef)).toBeLessThan(1e-6);
      // The weights are those of the unmasked forward; the output is not.
      const plainWeights = new Float32Array(triangles);
      const plainOut = new Float32Array(rows * width);
      wasm.forward(shape, qkv, plainOut, plainWeights);
      expect(Array.from(weights)).toEqual(Array.from(plainWeights));
      expect(maxDiff(out, plainOut)).toBeGreaterThan(1e-2);

      const gradRef = new Float32Array(rows * 3 * width);
      attentionBackwardReference(shape, qkv, weightsRef, gradOut, gradRef, mask);
      const grad = new Float32Array(rows * 3 * width).fill(9);
      wasm.backward(shape, qkv, weights, gradOut, grad, mask);
      expect(maxDiff(grad, gradRef)).toBeLessThan(1e-4);
      const plainGrad = new Float32Array(rows * 3 * width);
      wasm.backward(shape, qkv, weights, gradOut, plainGrad);
      expect(maxDiff(grad, plainGrad)).toBeGreaterThan(1e-2);
    });
  }

  it("keeps working when a later call needs a larger memory", () => {
    const small = packed([3], 8, 1, 1);
    const large = packed([50, 50, 50, 50], 64, 1, 2);
    for (const c of [small, large, small]) {
      const out = new Float32Array(c.rows * c.shape.width);
      const ref = new Float32Array(c.rows * c.shape.width);
      attentionForwardReference(c.shape, c.qkv, ref, new Float32Array(c.triangles));
      wasm.forward(c.shape, c.qkv, out, new Float32Array(c.triangles));
      expect(maxDiff(out, ref)).toBeLessThan(1e-5);
    }
  });
});
