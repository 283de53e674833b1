import { describe, expect, it } from "vitest";
import { cgRows, gram, scoreRows } from "./als-kernels.ts";
import { solveSpd } from "./cholesky.ts";
import { randomMatrix, randomSparse } from "./test-helpers.ts";

describe("reference ALS kernels", () => {
  it("gram sums outer products of the chosen rows", () => {
    const y = Float32Array.of(1, 2, 3, 4, 5, 6); // rows (1,2) (3,4) (5,6)
    const out = new Float32Array(4);
    gram(y, 1, 3, 2, out);
    expect(Array.from(out)).toEqual([9 + 25, 12 + 30, 12 + 30, 16 + 36]);
  });

  it("scoreRows writes every user-item dot product", () => {
    const out = new Float32Array(4);
    scoreRows(Float32Array.of(1, 0, 0, 2), 2, Float32Array.of(3, 4, 5, 6), 2, 2, out);
    expect(Array.from(out)).toEqual([3, 5, 8, 12]);
  });

  it("cgRows converges to the exact solution of each row's normal equations", () => {
    const f = 6;
    const alpha = 2;
    const reg = 0.5;
    const rows = randomSparse(4, 30, 0.3, 1);
    const y = randomMatrix(30, f, 2);
    const yty = new Float32Array(f * f);
    gram(y, 0, 30, f, yty);
    for (let d = 0; d < f; d++) yty[d * f + d] += reg;
    const x = new Float32Array(4 * f);
    cgRows(rows, x, y, yty, f, alpha, 50, 0, 4);
    for (let u = 0; u < 4; u++) {
      const a = Float64Array.from(yty);
      const b = new Float64Array(f);
      for (let e = rows.indptr[u]; e < rows.indptr[u + 1]; e++) {
        const c = 1 + alpha * rows.values[e];
        const yi = y.subarray(rows.indices[e] * f, (rows.indices[e] + 1) * f);
        for (let r = 0; r < f; r++) {
          b[r] += c * yi[r];
          for (let s = 0; s < f; s++) a[r * f + s] += (c - 1) * yi[r] * yi[s];
        }
      }
      solveSpd(a, b, f);
      for (let d = 0; d < f; d++) expect(x[u * f + d]).toBeCloseTo(b[d], 3);
    }
  });
});
