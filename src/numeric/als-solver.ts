import { cgRows, gram, type SparseRows } from "./als-kernels.ts";
import { type KernelPool, kernelPool } from "./kernel-pool.ts";
import { type AlsWasm, type AlsWasmExports, alsWasm, type KernelName, paddedStride, WasmArena } from "./wasm.ts";
import type { WasmMemory } from "./webassembly.ts";

/** One ALS fit: the interactions from both sides, the starting factors and the hyper-parameters. */
export interface AlsProblem {
  byUser: SparseRows;
  byItem: SparseRows;
  users: number;
  items: number;
  factors: number;
  /** Starting values, users x factors and items x factors, row-major; not modified. */
  userFactors: Float32Array;
  itemFactors: Float32Array;
  reg: number;
  alpha: number;
  cgSteps: number;
}

/** "auto" uses WebAssembly SIMD (and the registered thread pool) when the runtime allows; "js" never does. */
export type KernelChoice = "auto" | "js";

/** Holds one fit's state wherever its kernels run; call solveUsers/solveItems alternately, then result. */
export interface AlsSolver {
  /** Which kernels run, for reports: e.g. "wasm-simd, 2 threads" or "typescript (why not wasm)". */
  readonly label: string;
  /** Updates every user row from the current item factors. */
  solveUsers(): void;
  /** Updates every item row from the current user factors. */
  solveItems(): void;
  /** Fresh copies of the current factors, rows x factors. */
  result(): { users: Float32Array; items: Float32Array };
  /** Lets worker threads drop the fit's memory. */
  dispose(): void;
}

export function createAlsSolver(problem: AlsProblem, kernels: KernelChoice = "auto"): AlsSolver {
  if (kernels === "js") return new TypeScriptAlsSolver(problem, "typescript (requested)");
  const wasm = alsWasm();
  if (wasm instanceof Error) return new TypeScriptAlsSolver(problem, `typescript (WebAssembly unavailable: ${wasm.message})`);
  return new WasmAlsSolver(problem, wasm, kernelPool());
}

/** The reference kernels on plain arrays, one thread. */
class TypeScriptAlsSolver implements AlsSolver {
  private readonly x: Float32Array;
  private readonly y: Float32Array;
  private readonly yty: Float32Array;

  constructor(
    private readonly p: AlsProblem,
    readonly label: string,
  ) {
    this.x = p.userFactors.slice();
    this.y = p.itemFactors.slice();
    this.yty = new Float32Array(p.factors * p.factors);
  }

  solveUsers(): void {
    this.solve(this.p.byUser, this.p.users, this.x, this.y, this.p.items);
  }

  solveItems(): void {
    this.solve(this.p.byItem, this.p.items, this.y, this.x, this.p.users);
  }

  private solve(rows: SparseRows, count: number, x: Float32Array, y: Float32Array, otherCount: number): void {
    const f = this.p.factors;
    gram(y, 0, otherCount, f, this.yty);
    for (let d = 0; d < f; d++) this.yty[d * f + d] += this.p.reg;
    cgRows(rows, x, y, this.yty, f, this.p.alpha, this.p.cgSteps, 0, count);
  }

  result(): { users: Float32Array; items: Float32Array } {
    return { users: this.x.slice(), items: this.y.slice() };
  }

  dispose(): void {}
}

/** One side of the fit inside wasm memory: its interactions, its factors and how its rows split over threads. */
interface Side {
  rows: number;
  indptr: number;
  indices: number;
  values: number;
  factors: number;
  /** threads + 1 row boundaries, balanced by estimated work. */
  split: number[];
}

/**
 * The SIMD kernels on one shared WebAssembly memory. With a thread pool, each thread computes the Gram matrix
 * of its share of rows (summed here) and then updates its share of rows; without one, the caller does all.
 */
class WasmAlsSolver implements AlsSolver {
  readonly label: string;
  private readonly arena: WasmArena;
  private readonly memory: WasmMemory;
  private readonly kernels: AlsWasmExports;
  private readonly stride: number;
  private readonly threads: number;
  private readonly users: Side;
  private readonly items: Side;
  /** One Gram matrix per thread; the first receives the sum. */
  private readonly grams: number[];
  private readonly scratch: number[];

  constructor(
    private readonly p: AlsProblem,
    wasm: AlsWasm,
    private readonly pool: KernelPool | undefined,
  ) {
    this.threads = pool?.threads ?? 1;
    this.label = `wasm-simd, ${this.threads} thread${this.threads > 1 ? "s" : ""}`;
    const s = (this.stride = paddedStride(p.factors));
    const arena = (this.arena = new WasmArena(wasm));
    const nnz = p.byUser.indices.length;
    const reserveSide = (rows: number, byRow: SparseRows): Side => ({
      rows,
      indptr: arena.reserve(4 * (rows + 1)),
      indices: arena.reserve(4 * nnz),
      values: arena.reserve(4 * nnz),
      factors: arena.reserve(4 * rows * s),
      split: splitByWork(byRow.indptr, rows, this.threads, s * (p.cgSteps + 1), 2 + (p.alpha !== 0 ? 2 * p.cgSteps : 0)),
    });
    this.users = reserveSide(p.users, p.byUser);
    this.items = reserveSide(p.items, p.byItem);
    this.grams = Array.from({ length: this.threads }, () => arena.reserve(4 * s * s));
    this.scratch = Array.from({ length: this.threads }, () => arena.reserve(4 * 3 * s));
    ({ memory: this.memory, kernels: this.kernels } = arena.instantiate());
    this.load(this.users, p.byUser, p.userFactors);
    this.load(this.items, p.byItem, p.itemFactors);
  }

  private load(side: Side, byRow: SparseRows, factors: Float32Array): void {
    const a = this.arena;
    a.i32(side.indptr, side.rows + 1).set(byRow.indptr);
    a.i32(side.indices, byRow.indices.length).set(byRow.indices);
    a.f32(side.values, byRow.values.length).set(byRow.values);
    const f = this.p.factors;
    const padded = a.f32(side.factors, side.rows * this.stride);
    for (let r = 0; r < side.rows; r++) padded.set(factors.subarray(r * f, (r + 1) * f), r * this.stride);
  }

  solveUsers(): void {
    this.solve(this.users, this.items);
  }

  solveItems(): void {
    this.solve(this.items, this.users);
  }

  private solve(side: Side, other: Side): void {
    const s = this.stride;
    const even = splitEvenly(other.rows, this.threads);
    this.parallel("gram", (t) => [other.factors, even[t], even[t + 1], s, this.grams[t]]);
    const yty = this.arena.f32(this.grams[0], s * s);
    for (let t = 1; t < this.threads; t++) {
      const part = this.arena.f32(this.grams[t], s * s);
      for (let k = 0; k < s * s; k++) yty[k] += part[k];
    }
    // Regularise only the real factors: padding lanes must stay exactly zero.
    for (let d = 0; d < this.p.factors; d++) yty[d * s + d] += this.p.reg;
    const { alpha, cgSteps } = this.p;
    this.parallel("cgRows", (t) => [
      side.indptr, side.indices, side.values, side.factors, other.factors, this.grams[0], s,
      alpha, cgSteps, side.split[t], side.split[t + 1], this.scratch[t],
    ]);
  }

  private parallel(kernel: KernelName, argsOf: (thread: number) => number[]): void {
    const call = () => (this.kernels[kernel] as (...args: number[]) => void)(...argsOf(0));
    if (!this.pool) return call();
    this.pool.attach(this.memory);
    this.pool.run(kernel, Array.from({ length: this.threads - 1 }, (_, w) => argsOf(w + 1)), call);
  }

  result(): { users: Float32Array; items: Float32Array } {
    return { users: this.unpad(this.users), items: this.unpad(this.items) };
  }

  private unpad(side: Side): Float32Array {
    const f = this.p.factors;
    const padded = this.arena.f32(side.factors, side.rows * this.stride);
    const out = new Float32Array(side.rows * f);
    for (let r = 0; r < side.rows; r++) out.set(padded.subarray(r * this.stride, r * this.stride + f), r * f);
    return out;
  }

  dispose(): void {
    this.pool?.detach();
  }
}

/** threads + 1 boundaries cutting [0, rows) into near-equal runs. */
function splitEvenly(rows: number, threads: number): number[] {
  return Array.from({ length: threads + 1 }, (_, t) => Math.round((rows * t) / threads));
}

/**
 * threads + 1 boundaries cutting [0, rows) into runs of near-equal work, where a row costs `rowCost` plus
 * `entryCost` per observed entry: rows differ in length by orders of magnitude (popular items).
 */
export function splitByWork(indptr: Int32Array, rows: number, threads: number, rowCost: number, entryCost: number): number[] {
  const total = rows * rowCost + indptr[rows] * entryCost;
  const bounds = [0];
  let done = 0;
  for (let r = 0; r < rows && bounds.length < threads; r++) {
    done += rowCost + (indptr[r + 1] - indptr[r]) * entryCost;
    while (bounds.length < threads && done >= (total * bounds.length) / threads) bounds.push(r + 1);
  }
  while (bounds.length < threads) bounds.push(rows);
  bounds.push(rows);
  return bounds;
}
