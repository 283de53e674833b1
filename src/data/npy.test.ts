import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseIdList, parseNpy } from "./npy.ts";
import { encodeNpy } from "./npy.fixture.ts";

// 3 x 2, values exact in float32.
const MATRIX = [1.5, -2, 0.25, 4, -0.125, 8];

describe("parseNpy", () => {
  it("reads float32 and float64 matrices in C order, either byte order, header versions 1 and 2", () => {
    for (const descr of ["<f4", "<f8", ">f4", ">f8"] as const) {
      for (const version of [1, 2] as const) {
        const m = parseNpy(encodeNpy(MATRIX, [3, 2], { descr, version }), "m.npy");
        expect({ rows: m.rows, cols: m.cols, dtype: m.dtype }).toEqual({ rows: 3, cols: 2, dtype: descr });
        expect(Array.from(m.data)).toEqual(MATRIX);
      }
    }
  });

  it("narrows float64 to float32", () => {
    const m = parseNpy(encodeNpy([0.1, 1 / 3], [1, 2], { descr: "<f8" }), "m.npy");
    expect(m.data).toBeInstanceOf(Float32Array);
    expect(Array.from(m.data)).toEqual([Math.fround(0.1), Math.fround(1 / 3)]);
  });

  it("transposes Fortran order into row-major", () => {
    // Column-major storage of [[1, 2], [3, 4], [5, 6]].
    const m = parseNpy(encodeNpy([1, 3, 5, 2, 4, 6], [3, 2], { fortranOrder: true }), "m.npy");
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("reads a view into a larger buffer (offset Uint8Array)", () => {
    const bytes = encodeNpy(MATRIX, [3, 2]);
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    expect(Array.from(parseNpy(padded.subarray(3), "m.npy").data)).toEqual(MATRIX);
  });

  it("refuses what is not a 2-D float matrix, saying how to save one", () => {
    const bad = (bytes: Uint8Array) => () => parseNpy(bytes, "bad.npy");
    expect(bad(new TextEncoder().encode("id,f1,f2\n1,0.5,0.5\n"))).toThrow(/bad\.npy: not an \.npy file .*numpy\.save/);
    expect(bad(Uint8Array.of(0x50, 0x4b, 3, 4, 0, 0, 0, 0, 0, 0))).toThrow(/zip archive \(\.npz\?\)/);
    expect(bad(encodeNpy([1, 2, 3, 4], [2, 2], { descr: "<i4" }))).toThrow(/element type "<i4" is not float32 or float64: .*astype\(numpy\.float32\)/);
    expect(bad(encodeNpy([1, 2, 3], [3]))).toThrow(/expected a 2-D matrix \(items x factors\), got shape \(3\)/);
    const whole = encodeNpy(MATRIX, [3, 2]);
    expect(bad(whole.subarray(0, whole.length - 4))).toThrow(/needs 24 data bytes, the file has 20: truncated\?/);
    const garbled = encodeNpy(MATRIX, [3, 2]);
    garbled.set(new TextEncoder().encode("{'descx'"), 10);
    expect(bad(garbled)).toThrow(/header is not a dict with 'descr', 'fortran_order' and 'shape'/);
    const future = encodeNpy(MATRIX, [3, 2]);
    future[6] = 9;
    expect(bad(future)).toThrow(/format version 9\.0 is not supported/);
  });

  // numpy's own np.save, where this machine has it: guards against the test writer and the reader sharing a mistake.
  const python = spawnSync("python3", ["-c", "import numpy"], { encoding: "utf8" });
  it.skipIf(python.status !== 0)("reads files written by numpy.save (float32, float64, Fortran order, big-endian)", () => {
    const dir = mkdtempSync(join(tmpdir(), "recagent-npy-"));
    const script = [
      "import numpy as np, sys",
      "d = sys.argv[1]",
      "m = np.array([[1.5, -2], [0.25, 4], [-0.125, 8]])",
      "np.save(d + '/f4.npy', m.astype(np.float32))",
      "np.save(d + '/f8.npy', m)",
      "np.save(d + '/fortran.npy', np.asfortranarray(m.astype(np.float32)))",
      "np.save(d + '/big.npy', m.astype('>f8'))",
    ].join("\n");
    const run = spawnSync("python3", ["-c", script, dir], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    for (const name of ["f4", "f8", "fortran", "big"]) {
      const m = parseNpy(new Uint8Array(readFileSync(join(dir, `${name}.npy`))), name);
      expect([m.rows, m.cols], name).toEqual([3, 2]);
      expect(Array.from(m.data), name).toEqual(MATRIX);
    }
  });
});

describe("parseIdList", () => {
  it("one id per line; CRLF, spaces and a final newline are ignored", () => {
    expect(parseIdList("a\r\n b \nc\n", "ids.txt")).toEqual(["a", "b", "c"]);
    expect(parseIdList("a\nb", "ids.txt")).toEqual(["a", "b"]);
    expect(parseIdList("", "ids.txt")).toEqual([]);
  });

  it("an empty line inside the list is an error naming the line", () => {
    expect(() => parseIdList("a\n\nb\n", "ids.txt")).toThrow(/ids\.txt:2: empty line in the id list/);
  });
});
