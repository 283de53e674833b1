import { availableParallelism } from "node:os";
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import { type KernelPool, type PoolKernelName, setKernelPool } from "./kernel-pool.ts";
import { TRAINING_KERNELS } from "./training-kernels-wasm.ts";
import { alsWasm } from "./wasm.ts";
import { sharedMemory, type WasmMemory, type WasmModule } from "./webassembly.ts";

// Control block per worker (Int32 slots): SEQ, the number of the latest command; OP, its operation; CLAIM,
// the latest command either taken by the worker or cancelled by the caller (whoever moves it from SEQ - 1
// to SEQ first wins); DONE, the latest command the worker finished; FAILED, set when it threw. Arguments
// follow as float64s (every kernel argument, pointers included, is exactly representable).
const SEQ = 0;
const OP = 1;
const CLAIM = 2;
const DONE = 3;
const FAILED = 4;
const ARGS_AT = 32;
const MAX_ARGS = 16;
const OPS = ["attach", "detach", "gram", "cgRows", ...TRAINING_KERNELS] as const;

// The worker is a short script rather than a module so it needs no TypeScript loader. It blocks in
// Atomics.wait between commands: a command costs microseconds, where postMessage would cost a round trip
// through both event loops (60 commands per fit). The memory of an `attach` comes over a MessagePort and is
// read synchronously (with the module to instantiate on it, when not ALS's); an error message goes back the same way.
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require("node:worker_threads");
const { module, control, port } = workerData;
const ops = ${JSON.stringify(OPS)};
const ctl = new Int32Array(control, 0, 8);
const args = new Float64Array(control, ${ARGS_AT}, ${MAX_ARGS});
let kernels = null;
let seen = 0;
for (;;) {
  Atomics.wait(ctl, ${SEQ}, seen);
  seen = Atomics.load(ctl, ${SEQ});
  if (Atomics.compareExchange(ctl, ${CLAIM}, seen - 1, seen) !== seen - 1) continue;
  const op = ops[ctl[${OP}]];
  try {
    if (op === "attach") {
      const { memory, kernelModule } = receiveMessageOnPort(port).message;
      kernels = new WebAssembly.Instance(kernelModule ?? module, { env: { memory } }).exports;
    } else if (op === "detach") {
      kernels = null;
    } else {
      kernels[op](...args.subarray(0, kernels[op].length));
    }
  } catch (e) {
    port.postMessage(String(e && e.message || e));
    Atomics.store(ctl, ${FAILED}, 1);
  }
  Atomics.store(ctl, ${DONE}, seen);
  Atomics.notify(ctl, ${DONE});
}
`;

interface PoolWorker {
  port: MessagePort;
  ctl: Int32Array;
  args: Float64Array;
}

/** Worker threads blocking on Atomics between kernel calls; unref'd so they never keep the process alive. */
class WorkerKernelPool implements KernelPool {
  private readonly workers: PoolWorker[];
  private attached?: WasmMemory;
  private attachedModule?: WasmModule;

  constructor(module: WasmModule, readonly threads: number) {
    this.workers = Array.from({ length: threads - 1 }, () => {
      const control = new SharedArrayBuffer(ARGS_AT + 8 * MAX_ARGS);
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module, control, port: port2 },
        transferList: [port2],
      });
      worker.unref();
      port1.unref();
      return { port: port1, ctl: new Int32Array(control, 0, 8), args: new Float64Array(control, ARGS_AT, MAX_ARGS) };
    });
  }

  attach(memory: WasmMemory, module?: WasmModule): void {
    if (this.attached === memory && this.attachedModule === module) return;
    for (const w of this.workers) w.port.postMessage({ memory, kernelModule: module });
    this.command("attach", () => []);
    this.attached = memory;
    this.attachedModule = module;
  }

  detach(): void {
    if (!this.attached) return;
    this.command("detach", () => []);
    this.attached = undefined;
  }

  run(kernel: PoolKernelName, workerArgs: readonly (readonly number[])[], local: () => void): boolean[] {
    if (workerArgs.length !== this.workers.length) throw new Error(`run: ${workerArgs.length} argument lists for ${this.workers.length} workers`);
    return this.command(kernel, (w) => workerArgs[w], local);
  }

  /**
   * Posts `op` to every worker, runs `local`, then settles each worker's command: cancelled if it has not
   * started (only when there is a `local` that does the whole job), else waited for. Returns who ran.
   */
  private command(op: (typeof OPS)[number], argsOf: (w: number) => readonly number[], local?: () => void): boolean[] {
    const seqs = this.workers.map((w, i) => {
      w.args.set(argsOf(i));
      w.ctl[OP] = OPS.indexOf(op);
      const seq = Atomics.add(w.ctl, SEQ, 1) + 1;
      Atomics.notify(w.ctl, SEQ);
      return seq;
    });
    local?.();
    const failures: string[] = [];
    const ran = this.workers.map((w, i) => {
      const seq = seqs[i];
      if (local && Atomics.compareExchange(w.ctl, CLAIM, seq - 1, seq) === seq - 1) return false;
      for (let done = Atomics.load(w.ctl, DONE); done !== seq; done = Atomics.load(w.ctl, DONE)) Atomics.wait(w.ctl, DONE, done);
      if (Atomics.exchange(w.ctl, FAILED, 0)) failures.push(String(receiveMessageOnPort(w.port)?.message));
      return true;
    });
    if (failures.length) throw new Error(`kernel ${op} failed in a worker thread: ${failures.join("; ")}`);
    return ran;
  }
}

const pools = new Map<number, WorkerKernelPool>();

/**
 * Registers a pool of `threads` threads (the caller's included) for the WebAssembly kernels, so ALS fits split
 * their rows across them; 1 unregisters it. Pools are kept per size and reused, and their workers have
 * started when this returns. Returns a label for reports; without WebAssembly nothing is registered.
 */
export function useWorkerThreads(threads = availableParallelism()): string {
  const wasm = alsWasm();
  if (wasm instanceof Error) return `1 thread (WebAssembly unavailable: ${wasm.message})`;
  if (threads <= 1) {
    setKernelPool(undefined);
    return "1 thread";
  }
  let pool = pools.get(threads);
  if (!pool) {
    pool = new WorkerKernelPool(wasm.module, threads);
    // A first command blocks until every worker has booted, so no later fit pays for it.
    pool.attach(sharedMemory(1));
    pool.detach();
    pools.set(threads, pool);
  }
  setKernelPool(pool);
  return `${threads} threads`;
}
