import { describe, expect, it } from "vitest";
import { solveSpd } from "./cholesky.ts";
import { mulberry32 } from "./random.ts";

describe("solveSpd", () => {
  it("solves a 2x2 system worked by hand", () => {
    // [4 2; 2 3] x = [2; 1]  =>  x = [0.5, 0]
    const b = Float64Array.of(2, 1);
    expect(solveSpd(Float64Array.of(4, 2, 2, 3), b, 2)).toBe(true);
    expect(b[0]).toBeCloseTo(0.5, 12);
    expect(b[1]).toBeCloseTo(0, 12);
  });

  it("leaves a tiny residual on random SPD systems (M^T M + I)", () => {
    const rand = mulberry32(3);
    for (const n of [1, 5, 17]) {
      const m = Array.from({ length: n * n }, () => rand() - 0.5);
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = i === j ? 1 : 0;
          for (let k = 0; k < n; k++) s += m[k * n + i] * m[k * n + j];
          a[i * n + j] = s;
        }
      }
      const b = Float64Array.from({ length: n }, () => rand());
      const x = b.slice();
      expect(solveSpd(a.slice(), x, n)).toBe(true);
      for (let i = 0; i < n; i++) {
        let ax = 0;
        for (let j = 0; j < n; j++) ax += a[i * n + j] * x[j];
        expect(ax).toBeCloseTo(b[i], 10);
      }
    }
  });

  it("reports a matrix that is not positive definite", () => {
    expect(solveSpd(Float64Array.of(1, 2, 2, 1), new Float64Array(2), 2)).toBe(false);
  });
});
