import { afterEach, describe, expect, it } from "vitest";
import { createAlsSolver } from "./als-solver.ts";
import { kernelPool, setKernelPool } from "./kernel-pool.ts";
import { useWorkerThreads } from "./kernel-pool.node.ts";
import { randomMatrix, randomSparse, transposeRows } from "./test-helpers.ts";
import { alsWasm, WasmArena } from "./wasm.ts";
import { sharedMemory } from "./webassembly.ts";

function problem() {
  const byUser = randomSparse(50, 70, 0.15, 9);
  return {
    byUser,
    byItem: transposeRows(byUser),
    users: 50,
    items: 70,
    factors: 12,
    userFactors: randomMatrix(50, 12, 1, 0.02),
    itemFactors: randomMatrix(70, 12, 2, 0.02),
    reg: 0.4,
    alpha: 2,
    cgSteps: 3,
  };
}

function fit(iterations: number) {
  const solver = createAlsSolver(problem());
  try {
    for (let it = 0; it < iterations; it++) {
      solver.solveUsers();
      solver.solveItems();
    }
    return { label: solver.label, ...solver.result() };
  } finally {
    solver.dispose();
  }
}

function wasmOrFail() {
  const wasm = alsWasm();
  if (wasm instanceof Error) throw wasm;
  return wasm;
}

describe("worker-thread kernel pool", () => {
  afterEach(() => setKernelPool(undefined));

  it("fits exactly what one thread fits (the Gram partials are summed in chunk order)", () => {
    const one = fit(3);
    expect(useWorkerThreads(2)).toBe("2 threads");
    const two = fit(3);
    expect(one.label).toBe("wasm-simd, 1 thread");
    expect(two.label).toBe("wasm-simd, 2 threads");
    expect(two.users).toEqual(one.users);
    expect(two.items).toEqual(one.items);
  });

  it("sums the same Gram matrix whichever thread claims which chunks", () => {
    // Enough rows that the worker is still busy when the caller joins (tens of milliseconds of work).
    const rows = 32768;
    const stride = 64;
    const chunk = 64;
    const chunks = rows / chunk;
    const arena = new WasmArena(wasmOrFail());
    const at = { y: arena.reserve(4 * rows * stride), next: arena.reserve(4), parts: arena.reserve(4 * stride * stride * chunks), out: arena.reserve(4 * stride * stride) };
    const { memory, kernels } = arena.instantiate();
    arena.f32(at.y, rows * stride).set(randomMatrix(rows, stride, 5));
    const counter = arena.i32(at.next, 1);
    const gram = () => kernels.gram(at.y, at.next, chunk, rows, stride, at.parts);
    gram();
    kernels.sumGrams(at.parts, chunks, stride, at.out);
    const alone = arena.f32(at.out, stride * stride).slice();

    useWorkerThreads(2);
    const pool = kernelPool()!;
    pool.attach(memory);
    counter[0] = 0;
    arena.f32(at.parts, stride * stride * chunks).fill(Number.NaN);
    // The caller starts only once the worker has claimed a chunk, so both threads take part.
    let joinedAt = 0;
    const ran = pool.run("gram", [[at.y, at.next, chunk, rows, stride, at.parts]], () => {
      while (Atomics.load(counter, 0) === 0) Atomics.wait(counter, 0, 0, 1);
      joinedAt = Atomics.load(counter, 0);
      gram();
    });
    pool.detach();
    expect(ran).toEqual([true]);
    expect(joinedAt).toBeLessThan(rows);
    kernels.sumGrams(at.parts, chunks, stride, at.out);
    expect(arena.f32(at.out, stride * stride)).toEqual(alone);
  });

  it("reuses a pool of the same size and unregisters with 1 thread", () => {
    useWorkerThreads(2);
    const pool = kernelPool();
    useWorkerThreads(2);
    expect(kernelPool()).toBe(pool);
    expect(useWorkerThreads(1)).toBe("1 thread");
    expect(kernelPool()).toBeUndefined();
  });

  it("throws in the caller when a kernel fails in a worker", () => {
    useWorkerThreads(2);
    const pool = kernelPool()!;
    const memory = sharedMemory(1);
    pool.attach(memory);
    const counter = new Int32Array(memory.buffer, 0, 1);
    // gram claims a chunk from the counter at byte 0, then reads rows far outside the 64 KiB memory and traps.
    // The caller's share waits until the worker has claimed, so the worker's call cannot be cancelled.
    const waitForWorker = () => {
      while (Atomics.load(counter, 0) === 0) Atomics.wait(counter, 0, 0, 1);
    };
    expect(() => pool.run("gram", [[1 << 20, 0, 4, 64, 4, 1024]], waitForWorker)).toThrow(/failed in a worker thread: .*out of bounds/);
    pool.detach();
  });

  it("cancels a worker that has not started once the caller has done the work", () => {
    useWorkerThreads(2);
    const pool = kernelPool()!;
    pool.attach(sharedMemory(1));
    // Asked and cancelled at once: the worker either ran (an empty range) or was cancelled, never both.
    const ran = pool.run("gram", [[0, 0, 4, 0, 4, 1024]], () => {});
    expect(ran).toHaveLength(1);
    expect(typeof ran[0]).toBe("boolean");
    // The protocol stays in step: a later command runs normally.
    expect(pool.run("gram", [[0, 0, 4, 0, 4, 1024]], () => {})).toHaveLength(1);
    pool.detach();
  });
});
