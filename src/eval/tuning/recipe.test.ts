import { describe, expect, it } from "vitest";
import { InputError } from "../../core/errors.ts";
import { Blend } from "../../models/blend.ts";
import { twoClusters } from "../../models/fixtures.ts";
import { restoreRecommender } from "../../models/registry.ts";
import { blendRecipe, buildRecipe, describeRecipe, fixedRecipe } from "./recipe.ts";

describe("recipes", () => {
  it("a fixed recipe is the model's defaults overlaid with overrides, with no recency", () => {
    expect(fixedRecipe("ease", { lambda: "50" })).toEqual({ model: "ease", params: { lambda: 50 }, weighting: "binary", recency: { tau: 0, floor: 1 } });
    expect(() => fixedRecipe("ease", { k: 3 })).toThrow(/unknown parameter "k" for model ease/);
  });

  it("builds the model it names, unfitted, and a blend of two that fits, scores and restores", async () => {
    expect(buildRecipe(fixedRecipe("itemknn", { k: 2 })).params).toEqual({ k: 2, shrink: 0 });
    const recipe = blendRecipe([{ model: "ease", params: { lambda: 1 } }, { model: "itemknn", params: { k: 2 } }], 0.7, "binary", { tau: 5, floor: 0.1 });
    const model = buildRecipe(recipe);
    expect(model).toBeInstanceOf(Blend);
    const { data } = twoClusters();
    await model.fit(data);
    const out = new Float32Array(data.itemCount);
    model.scoreUsers(Int32Array.of(0), out);
    const restored = restoreRecommender(model.toArtifact());
    const again = new Float32Array(data.itemCount);
    restored.scoreUsers(Int32Array.of(0), again);
    expect(Array.from(again)).toEqual(Array.from(out));
    expect(restored.params).toEqual({ weight: 0.7 });
  });

  it("refuses a blend without parts or with a weight outside [0, 1]", () => {
    const parts = [{ model: "pop", params: {} }, { model: "pop", params: {} }] as const;
    expect(() => buildRecipe({ ...blendRecipe(parts, 0.5, "binary", { tau: 0, floor: 1 }), parts: undefined })).toThrow(InputError);
    expect(() => buildRecipe(blendRecipe(parts, 1.5, "binary", { tau: 0, floor: 1 }))).toThrow(/weight is the first part's share, in \[0, 1\]; got 1.5/);
  });

  it("describes itself in one line", () => {
    expect(describeRecipe(fixedRecipe("ease", { lambda: 300 }, "log", { tau: 5, floor: 0.1 }))).toBe("ease(lambda=300), weighting log, recency tau 5 floor 0.1");
    const blend = blendRecipe([{ model: "ease", params: { lambda: 300 } }, { model: "itemknn", params: { k: 20 } }], 0.7, "binary", { tau: 0, floor: 1 });
    expect(describeRecipe(blend)).toBe("blend 0.7 x ease(lambda=300) + itemknn(k=20), weighting binary, no recency weighting");
  });
});
