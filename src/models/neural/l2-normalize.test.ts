import { describe, expect, it } from "vitest";
import { L2Normalize } from "./l2-normalize.ts";
import { matrix } from "./types.ts";

describe("L2Normalize in reused storage", () => {
  it("gives a zero row a zero output and gradient, also after a call that filled the storage", () => {
    const layer = new L2Normalize();
    layer.forward(matrix(2, 2, Float32Array.of(3, 4, 1, 0)), true);
    layer.backward(matrix(2, 2, Float32Array.of(1, 1, 1, 1)));
    const y = layer.forward(matrix(2, 2, Float32Array.of(0, 0, 0, 2)), true);
    expect(Array.from(y.data)).toEqual([0, 0, 0, 1]);
    const dx = layer.backward(matrix(2, 2, Float32Array.of(5, 5, 2, 3)));
    // Row 1: (dy - y (y . dy)) / |x| = ((2, 3) - (0, 1) * 3) / 2.
    expect(Array.from(dx.data)).toEqual([0, 0, 1, 0]);
  });
});
