import { describe, expect, it } from "vitest";
import { MeanDirectionEvidence } from "./item-evidence.ts";

describe("MeanDirectionEvidence", () => {
  it("points at the weighted mean of its users' unit vectors, whatever their lengths", () => {
    const e = new MeanDirectionEvidence(2);
    e.add(Float32Array.of(3, 0), 1, true);
    e.add(Float32Array.of(0, 0.5), 2, true);
    e.add(Float32Array.of(0, 0), 5, true);
    expect(Array.from(e.solve())).toEqual([1, 2]);
  });

  it("is zero without evidence and rejects a user vector of the wrong size", () => {
    expect(Array.from(new MeanDirectionEvidence(3).solve())).toEqual([0, 0, 0]);
    expect(() => new MeanDirectionEvidence(3).add(new Float32Array(2), 1, true)).toThrow(/2 factors, the model 3/);
  });
});
