import { describe, expect, it } from "vitest";
import { DataFormatError } from "../core/errors.ts";
import { csrFromCoo } from "../data/csr.ts";
import { decodeModel, encodeModel, type SavedModel } from "./persist.ts";

const saved: SavedModel = {
  artifact: { model: "als", params: { factors: 2 }, meta: { note: "x" }, arrays: { a: Float32Array.of(1.5, -2), b: Int32Array.of(7) } },
  users: ["u1", "u2"],
  items: ["i1"],
  seen: csrFromCoo(2, 1, [0], [0], [1]),
};

describe("model persistence", () => {
  it("round-trips header, arrays and the seen matrix", () => {
    const { header, body } = encodeModel(saved);
    expect(decodeModel(header, body, "m.json")).toEqual(saved);
  });

  it("round-trips the entries' ages and the recency setting when present", () => {
    const withRecency: SavedModel = { ...saved, seenAges: Int32Array.of(0), recency: { tau: 5, floor: 0.05 } };
    const { header, body } = encodeModel(withRecency);
    expect(decodeModel(header, body, "m.json")).toEqual(withRecency);
  });

  it("rejects a foreign header and a truncated body with the file named", () => {
    const { header, body } = encodeModel(saved);
    expect(() => decodeModel('{"format":"other"}', body, "m.json")).toThrow(DataFormatError);
    expect(() => decodeModel("{", body, "m.json")).toThrow(/m\.json: model header is not JSON/);
    expect(() => decodeModel(header, body.subarray(0, 4), "m.json")).toThrow(/truncated/);
  });
});
