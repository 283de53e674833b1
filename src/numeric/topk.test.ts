import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { topK, topKReference } from "./topk.ts";

function run(scores: number[], k: number) {
  const ids = new Int32Array(k);
  const out = new Float32Array(k);
  topK(Float32Array.from(scores), k, ids, out);
  return { ids: Array.from(ids), scores: Array.from(out) };
}

describe("topK", () => {
  it("returns the best first and breaks ties by the lower index", () => {
    expect(run([0.5, 0.9, 0.5, 0.1, 0.9], 3).ids).toEqual([1, 4, 0]);
  });

  it("skips -Infinity and NaN and pads with -1", () => {
    expect(run([-Infinity, 2, Number.NaN], 3)).toEqual({ ids: [1, -1, -1], scores: [2, -Infinity, -Infinity] });
  });

  it("agrees with a full stable sort", () => {
    const score = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constant(-Infinity));
    fc.assert(
      fc.property(fc.array(score, { maxLength: 60 }), fc.integer({ min: 1, max: 20 }), (xs, k) => {
        const ref = topKReference(Float32Array.from(xs), k);
        const got = run(xs, k);
        expect(got.ids.slice(0, ref.ids.length)).toEqual(ref.ids);
        expect(got.ids.slice(ref.ids.length).every((i) => i === -1)).toBe(true);
      }),
    );
  });
});
