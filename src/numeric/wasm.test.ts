import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { cgRows, gram } from "./als-kernels.ts";
import { createFactorScorer } from "./factor-scorer.ts";
import { randomMatrix, randomSparse, relativeError } from "./test-helpers.ts";
import { type AlsWasm, alsWasm, paddedStride, WasmArena } from "./wasm.ts";
import { webAssembly } from "./webassembly.ts";

function wasmOrFail(): AlsWasm {
  const w = alsWasm();
  if (w instanceof Error) throw w;
  return w;
}

/** Copies a rows x f matrix into wasm memory at `stride` floats per row (padding stays zero). */
function padInto(view: Float32Array, m: Float32Array, rows: number, f: number, stride: number): void {
  for (let r = 0; r < rows; r++) view.set(m.subarray(r * f, (r + 1) * f), r * stride);
}

function unpad(view: Float32Array, rows: number, f: number, stride: number): Float32Array {
  const out = new Float32Array(rows * f);
  for (let r = 0; r < rows; r++) out.set(view.subarray(r * stride, r * stride + f), r * f);
  return out;
}

describe("WebAssembly SIMD kernels against the TypeScript reference", () => {
  it("compiles here (Node) and exports every kernel", () => {
    const { module } = wasmOrFail();
    expect(webAssembly().Module.exports(module).map((e) => e.name)).toEqual(expect.arrayContaining(["heapBase", "gram", "sumGrams", "cgRows", "scoreBlock"]));
  });

  for (const f of [1, 5, 8, 64]) {
    it(`gram and cgRows agree at factors=${f}`, () => {
      const s = paddedStride(f);
      const users = 23;
      const items = 41;
      const rows = randomSparse(users, items, 0.2, f);
      const x0 = randomMatrix(users, f, 10 + f, 0.02);
      const y = randomMatrix(items, f, 20 + f);
      const arena = new WasmArena(wasmOrFail());
      const at = {
        indptr: arena.reserve(4 * (users + 1)),
        indices: arena.reserve(4 * rows.indices.length),
        values: arena.reserve(4 * rows.values.length),
        x: arena.reserve(4 * users * s),
        y: arena.reserve(4 * items * s),
        parts: arena.reserve(4 * s * s * 5),
        yty: arena.reserve(4 * s * s),
        scratch: arena.reserve(4 * 3 * s),
        next: arena.reserve(4),
      };
      const { kernels } = arena.instantiate();
      arena.i32(at.indptr, users + 1).set(rows.indptr);
      arena.i32(at.indices, rows.indices.length).set(rows.indices);
      arena.f32(at.values, rows.values.length).set(rows.values);
      padInto(arena.f32(at.x, users * s), x0, users, f, s);
      padInto(arena.f32(at.y, items * s), y, items, f, s);

      // gram from row 3, in chunks of 8 rows whose last is cut short by `end`; their sum in chunk order
      const next = arena.i32(at.next, 1);
      next[0] = 3;
      kernels.gram(at.y, at.next, 8, items, s, at.parts);
      kernels.sumGrams(at.parts, Math.ceil((items - 3) / 8), s, at.yty);
      const ref = new Float32Array(f * f);
      gram(y, 3, items, f, ref);
      expect(relativeError(unpad(arena.f32(at.yty, s * s), f, f, s), ref)).toBeLessThan(1e-5);

      const reg = 0.3;
      const alpha = 1.5;
      const yty = arena.f32(at.yty, s * s);
      for (let d = 0; d < f; d++) {
        yty[d * s + d] += reg;
        ref[d * f + d] += reg;
      }
      next[0] = 2;
      kernels.cgRows(at.indptr, at.indices, at.values, at.x, at.y, at.yty, s, alpha, 3, at.next, 5, users, at.scratch);
      const x = x0.slice();
      cgRows(rows, x, y, ref, f, alpha, 3, 2, users);
      const got = arena.f32(at.x, users * s);
      expect(relativeError(unpad(got, users, f, s), x)).toBeLessThan(1e-4);
      // rows outside [start, end) and the padding lanes are untouched
      expect(Array.from(unpad(got, 2, f, s))).toEqual(Array.from(x0.subarray(0, 2 * f)));
      for (let r = 0; r < users; r++) for (let d = f; d < s; d++) expect(got[r * s + d]).toBe(0);
    });

    it(`the wasm scorer agrees with the TypeScript scorer at factors=${f}`, () => {
      const items = randomMatrix(77, f, 30 + f);
      const queries = randomMatrix(70, f, 40 + f); // more than one 64-row block, and 70 % 4 != 0
      const a = new Float32Array(70 * 77);
      const b = new Float32Array(70 * 77);
      const wasm = createFactorScorer(items, f, "auto");
      expect(wasm.label).toBe("wasm-simd");
      wasm.score(queries, 70, a);
      createFactorScorer(items, f, "js").score(queries, 70, b);
      expect(relativeError(a, b)).toBeLessThan(1e-5);
    });
  }

  it("the committed module is what scripts/build-wasm.js builds from the AssemblyScript source", () => {
    // Throws (exit code 1) when src/numeric/als-kernels.wasm.ts is stale.
    expect(() => execFileSync(process.execPath, ["scripts/build-wasm.js", "--check"], { stdio: "pipe" })).not.toThrow();
  });
});
