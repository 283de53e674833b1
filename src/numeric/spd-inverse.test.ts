import { describe, expect, it } from "vitest";
import { mulberry32 } from "./random.ts";
import { gaussJordanInverse, spdInverse } from "./spd-inverse.ts";

/** B B^T + n I for a random B: symmetric positive definite and well conditioned. */
function randomSpd(n: number, seed: number): Float64Array {
  const next = mulberry32(seed);
  const b = Float64Array.from({ length: n * n }, () => next() - 0.5);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = i === j ? n : 0;
      for (let k = 0; k < n; k++) s += b[i * n + k] * b[j * n + k];
      a[i * n + j] = s;
    }
  }
  return a;
}

describe("spdInverse", () => {
  it.each([1, 2, 3, 7, 40])("agrees with Gauss-Jordan for n = %i", (n) => {
    const a = randomSpd(n, n);
    const expected = gaussJordanInverse(a, n);
    const got = a.slice();
    expect(spdInverse(got, n)).toBe(true);
    for (let p = 0; p < n * n; p++) expect(got[p]).toBeCloseTo(expected[p], 12);
  });

  it("gives A A^-1 = I and a symmetric result", () => {
    const n = 25;
    const a = randomSpd(n, 99);
    const inv = a.slice();
    spdInverse(inv, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += a[i * n + k] * inv[k * n + j];
        expect(s).toBeCloseTo(i === j ? 1 : 0, 12);
        expect(inv[i * n + j]).toBe(inv[j * n + i]);
      }
    }
  });

  it("refuses a matrix that is not positive definite", () => {
    expect(spdInverse(Float64Array.of(1, 2, 2, 1), 2)).toBe(false);
    expect(spdInverse(Float64Array.of(0), 1)).toBe(false);
  });
});
