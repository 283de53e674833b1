import { describe, expect, it } from "vitest";
import { LeastSquaresItemEvidence, MeanDirectionEvidence, regularisedGram } from "./item-evidence.ts";

describe("MeanDirectionEvidence", () => {
  it("points at the weighted mean of its users' unit vectors, whatever their lengths", () => {
    const e = new MeanDirectionEvidence(2);
    e.add(Float32Array.of(3, 0), 1, true);
    e.add(Float32Array.of(0, 0.5), 2, true);
    e.add(Float32Array.of(0, 0), 5, true);
    expect(Array.from(e.solve())).toEqual([1, 2]);
  });

  it("with oncePerUser, counts each user once with weight 1", () => {
    const e = new MeanDirectionEvidence(2, { oncePerUser: true });
    e.add(Float32Array.of(3, 0), 4, true);
    e.add(Float32Array.of(3, 0), 2, false);
    e.add(Float32Array.of(0, 0.5), 2, true);
    expect(Array.from(e.solve())).toEqual([1, 1]);
  });

  it("is zero without evidence and rejects a user vector of the wrong size", () => {
    expect(Array.from(new MeanDirectionEvidence(3).solve())).toEqual([0, 0, 0]);
    expect(() => new MeanDirectionEvidence(3).add(new Float32Array(2), 1, true)).toThrow(/2 factors, the model 3/);
  });
});

describe("LeastSquaresItemEvidence", () => {
  const users = Float32Array.of(1, 0.5, 0, 2, -1, 1, 0.3, 0.3);

  it("solves (XtX + reg I + sum (c - 1) x x^T) y = sum c x, c = 1 + alpha * the user's summed weight", () => {
    const f = 2;
    const reg = 0.7;
    const alpha = 2;
    const e = new LeastSquaresItemEvidence(regularisedGram(users, f, reg), f, alpha);
    e.add(users.subarray(0, 2), 1, true);
    e.add(users.subarray(0, 2), 0.5, false);
    e.add(users.subarray(4, 6), 2, true);
    // Brute force over the four users: user 0 has c = 1 + 2 * 1.5 = 4, user 2 has c = 5, the others c = 1 and preference 0.
    const c = [4, 1, 5, 1];
    const p = [1, 0, 1, 0];
    const a = [reg, 0, 0, reg];
    const b = [0, 0];
    for (let u = 0; u < 4; u++) {
      const x = users.subarray(u * f, (u + 1) * f);
      for (let r = 0; r < f; r++) {
        b[r] += c[u] * p[u] * x[r];
        for (let s = 0; s < f; s++) a[r * f + s] += c[u] * x[r] * x[s];
      }
    }
    const det = a[0] * a[3] - a[1] * a[2];
    const expected = [(a[3] * b[0] - a[1] * b[1]) / det, (a[0] * b[1] - a[2] * b[0]) / det];
    const got = e.solve();
    for (let d = 0; d < f; d++) expect(got[d]).toBeCloseTo(expected[d], 5);
  });
});
