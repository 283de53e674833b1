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

/** One side of the fit inside wasm memory: its interactions and its factors. */
interface Side {
  rows: number;
  indptr: number;
  indices: number;
  values: number;
  factors: number;
}

/**
 * Row chunks per thread and kernel call: enough that a thread the OS delays leaves little behind for the
 * others, few enough that claiming a chunk (one atomic add) costs nothing.
 */
const CHUNKS_PER_THREAD = 32;

/**
 * Gram chunks per solve, whatever the thread count: each chunk's partial sum is the same whichever thread claims
 * it, and the partials are added in chunk order, so the factors do not depend on threads or their timing.
 */
const GRAM_CHUNKS = 64;

/**
 * The SIMD kernels on one shared WebAssembly memory. With a thread pool, the threads share each kernel call's
 * rows through an atomic counter: each computes the partial Gram matrices of the row chunks it claims (summed
 * here in chunk order), then updates the rows it claims.
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
  /** GRAM_CHUNKS partial Gram matrices, and their sum. */
  private readonly gramParts: number;
  private readonly yty: number;
  private readonly scratch: number[];
  /** The shared row counter of the running kernel call. */
  private readonly next: number;

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
    const reserveSide = (rows: number): Side => ({
      rows,
      indptr: arena.reserve(4 * (rows + 1)),
      indices: arena.reserve(4 * nnz),
      values: arena.reserve(4 * nnz),
      factors: arena.reserve(4 * rows * s),
    });
    this.users = reserveSide(p.users);
    this.items = reserveSide(p.items);
    this.gramParts = arena.reserve(4 * s * s * GRAM_CHUNKS);
    this.yty = arena.reserve(4 * s * s);
    this.scratch = Array.from({ length: this.threads }, () => arena.reserve(4 * 3 * s));
    this.next = arena.reserve(4);
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
    // Gram chunks are whole blocks of the kernel's four rows.
    const gramChunk = 4 * Math.max(1, Math.ceil(other.rows / (4 * GRAM_CHUNKS)));
    this.parallel("gram", () => [other.factors, this.next, gramChunk, other.rows, s, this.gramParts]);
    this.kernels.sumGrams(this.gramParts, Math.ceil(other.rows / gramChunk), s, this.yty);
    const yty = this.arena.f32(this.yty, s * s);
    // Regularise only the real factors: padding lanes must stay exactly zero.
    for (let d = 0; d < this.p.factors; d++) yty[d * s + d] += this.p.reg;
    const { alpha, cgSteps } = this.p;
    const cgChunk = Math.max(1, Math.ceil(side.rows / (CHUNKS_PER_THREAD * this.threads)));
    this.parallel("cgRows", (t) => [
      side.indptr, side.indices, side.values, side.factors, other.factors, this.yty, s,
      alpha, cgSteps, this.next, cgChunk, side.rows, this.scratch[t],
    ]);
  }

  /** Runs `kernel` on every thread over rows from 0 (the calling thread alone finishes what others do not start). */
  private parallel(kernel: KernelName, argsOf: (thread: number) => number[]): void {
    this.arena.i32(this.next, 1)[0] = 0;
    const call = () => (this.kernels[kernel] as (...args: number[]) => void)(...argsOf(0));
    if (!this.pool) {
      call();
      return;
    }
    this.pool.attach(this.memory);
    const workers = Array.from({ length: this.threads - 1 }, (_, w) => argsOf(w + 1));
    this.pool.run(kernel, workers, call);
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
