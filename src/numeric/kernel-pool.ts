import type { TrainingKernelName } from "./training-kernels-wasm.ts";
import type { KernelName } from "./wasm.ts";
import type { WasmMemory, WasmModule } from "./webassembly.ts";

/** The kernels a pool can run: ALS's (wasm.ts) and the neural engine's training kernels (training-kernels-wasm.ts). */
export type PoolKernelName = KernelName | TrainingKernelName;

/**
 * Extra threads that run the WebAssembly kernels on the same shared memory as the caller. The pool itself is
 * Node-only (kernel-pool.node.ts, worker_threads); code that runs everywhere sees only this interface and runs
 * single-threaded when no pool is registered.
 */
export interface KernelPool {
  /** Threads including the caller's. */
  readonly threads: number;
  /**
   * Makes every worker instantiate `module` (ALS's kernels when absent) on `memory` (a no-op when already
   * attached to both); returns once they all have.
   */
  attach(memory: WasmMemory, module?: WasmModule): void;
  /** Drops the workers' hold on the attached memory. */
  detach(): void;
  /**
   * Calls `kernel` on worker w with workerArgs[w] (workerArgs.length is threads - 1) while `local` runs on
   * this thread. The kernels must share their work through a counter in memory, so that `local` alone
   * finishes it: a worker that has not started by then is cancelled rather than waited for. Returns, per
   * worker, whether its call ran (and has returned). A kernel that throws in a worker throws here.
   */
  run(kernel: PoolKernelName, workerArgs: readonly (readonly number[])[], local: () => void): boolean[];
}

let registered: KernelPool | undefined;

/** Set by Node entry points (see useWorkerThreads in kernel-pool.node.ts); undefined means one thread. */
export function setKernelPool(pool: KernelPool | undefined): void {
  registered = pool;
}

export function kernelPool(): KernelPool | undefined {
  return registered;
}
