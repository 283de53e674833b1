import { describe, expect, it } from "vitest";
import { createAttentionKernels } from "../../numeric/attention-kernels-wasm.ts";
import { createDenseKernels } from "../../numeric/dense-kernels-wasm.ts";
import { mulberry32 } from "../../numeric/random.ts";
import { gradCheck } from "./grad-check.ts";
import { TransformerBlock } from "./transformer-block.ts";

describe("TransformerBlock", () => {
  const layouts = [
    { kernels: "js", layout: "pre", outputProjection: false },
    { kernels: "auto", layout: "pre", outputProjection: false },
    { kernels: "js", layout: "query", outputProjection: true },
    { kernels: "auto", layout: "query", outputProjection: false },
  ] as const;
  for (const { kernels, layout, outputProjection } of layouts) {
    it(`matches finite differences of its parameters and input (${kernels} kernels, ${layout} layout${outputProjection ? ", output projection" : ""}, 2 heads, packed sequences)`, () => {
      const next = mulberry32(11);
      const width = 8;
      const offsets = Int32Array.from([0, 4, 5, 10]);
      const block = new TransformerBlock("b", { width, heads: 2, maxLength: 6, dropout: 0, next, kernels: createDenseKernels(kernels), attentionKernels: createAttentionKernels(kernels), layout, outputProjection });
      // The key projection's bias has a true gradient of 0 (softmax ignores a shift shared by all keys): float32
      // noise there is ~3e-5, hence the floor of 1e-2 on the relative error.
      // Non-trivial layer-norm gains and biases, so their gradients are checked away from the starting point.
      for (const p of block.params()) if (p.name.endsWith("gamma") || p.name.endsWith("beta") || p.name.endsWith("bias")) for (let i = 0; i < p.value.length; i++) p.value[i] += 0.3 * (2 * next() - 1);
      const x = { rows: 10, cols: width, data: Float32Array.from({ length: 10 * width }, () => 2 * next() - 1) };
      const r = Float32Array.from({ length: 10 * width }, () => 2 * next() - 1);
      const result = gradCheck({
        params: block.params(),
        inputs: [x.data],
        loss: () => block.forward({ x, offsets }, true).x.data.reduce((s, v, i) => s + v * r[i], 0),
        backward: () => [block.backward({ x: { rows: 10, cols: width, data: r.slice() }, offsets }).x.data],
      }, { samples: 30, eps: 5e-3, floor: 1e-2 });
      expect(result.checked).toBeGreaterThan(150);
      expect(result.maxError, result.worst).toBeLessThan(2e-2);
    });
  }

  for (const layout of ["pre", "query"] as const) it(`passes each position through without looking ahead (${layout} layout)`, () => {
    const next = mulberry32(2);
    const width = 8;
    const block = new TransformerBlock("b", { width, heads: 1, maxLength: 6, dropout: 0, next, kernels: createDenseKernels(), attentionKernels: createAttentionKernels(), layout, outputProjection: true });
    const x = { rows: 6, cols: width, data: Float32Array.from({ length: 6 * width }, () => 2 * next() - 1) };
    const offsets = Int32Array.from([0, 6]);
    const before = block.forward({ x, offsets }, false).x.data.slice();
    x.data[5 * width] += 1;
    const after = block.forward({ x, offsets }, false).x.data;
    expect(Array.from(after.subarray(0, 5 * width))).toEqual(Array.from(before.subarray(0, 5 * width)));
  });
});
