import { type DenseKernels, type LayerKernels, lastDropped, type SoftmaxOptions, typeScriptDenseKernels, typeScriptLayerKernels } from "./dense-kernels.ts";
import { MULBERRY32_WEYL } from "./random.ts";
import { WASM_BASE64 } from "./dense-kernels.wasm.ts";
import { type CompiledKernels, compileKernels, ScratchMemory } from "./webassembly.ts";

/** The exports of assembly/dense.ts; every pointer is a byte offset into the instance's memory. */
interface DenseWasmExports {
  heapBase(): number;
  gemm(a: number, b: number, out: number, m: number, k: number, n: number, accumulate: number): void;
  transpose(src: number, dst: number, rows: number, cols: number): void;
  softmaxGrad(logits: number, rows: number, invT: number, logQ: number, items: number, lossOut: number): void;
  layerNormForward(x: number, rows: number, d: number, gamma: number, beta: number, eps: number, y: number, xhat: number, inverseStd: number): void;
  layerNormBackward(dy: number, xhat: number, inverseStd: number, rows: number, d: number, gamma: number, dx: number, gammaGrad: number, betaGrad: number): void;
  dropoutForward(x: number, n: number, state: number, weyl: number, lastDropped: number, keep: number, y: number, mask: number): void;
  multiply(a: number, b: number, n: number, out: number): void;
  relu(x: number, n: number, y: number): void;
  reluBackward(y: number, dy: number, n: number, dx: number): void;
  addColumnSums(a: number, rows: number, cols: number, out: number): void;
}

let compiled: CompiledKernels | Error | undefined;

/** The compiled module, or the Error that says why not (compileKernels). */
function denseWasm(): CompiledKernels | Error {
  compiled ??= compileKernels(WASM_BASE64);
  return compiled;
}

/**
 * The dense kernels for this runtime: WebAssembly SIMD when it compiles, else the TypeScript references.
 * "js" asks for the references (tests and benchmarks compare the two).
 */
export function createDenseKernels(choice: "auto" | "js" = "auto"): DenseKernels {
  if (choice === "js") return typeScriptDenseKernels("requested");
  const wasm = denseWasm();
  return wasm instanceof Error ? typeScriptDenseKernels(`WebAssembly unavailable: ${wasm.message}`) : new WasmDenseKernels(new ScratchMemory<DenseWasmExports>(wasm));
}

/**
 * Runs each product in one scratch WebAssembly memory: the operands are copied in (a transposed operand is
 * transposed in there by the kernel), the product computed, the result copied out. Copies are O(m k + k n +
 * m n) against the product's O(m k n). The memory is replaced by a larger one when a call needs more.
 */
class WasmDenseKernels implements DenseKernels {
  readonly label = "wasm-simd";
  constructor(private readonly scratch: ScratchMemory<DenseWasmExports>) {}

  private put(at: number, data: Float32Array | Int32Array, count: number): void {
    const view = data instanceof Int32Array ? this.scratch.ints : this.scratch.floats;
    view.set(count === data.length ? data : data.subarray(0, count), at >> 2);
  }

  private run(aAt: number, bAt: number, outAt: number, out: Float32Array, m: number, k: number, n: number, accumulate: boolean): void {
    if (accumulate) this.put(outAt, out, m * n);
    this.scratch.kernels.gemm(aAt, bAt, outAt, m, k, n, accumulate ? 1 : 0);
    out.set(this.scratch.floats.subarray(outAt >> 2, (outAt >> 2) + m * n));
  }

  matmul(a: Float32Array, b: Float32Array, out: Float32Array, m: number, k: number, n: number, accumulate = false): void {
    const [aAt, bAt, outAt] = this.scratch.layout(m * k, k * n, m * n);
    this.put(aAt, a, m * k);
    this.put(bAt, b, k * n);
    this.run(aAt, bAt, outAt, out, m, k, n, accumulate);
  }

  matmulTransB(a: Float32Array, b: Float32Array, out: Float32Array, m: number, k: number, n: number, accumulate = false): void {
    const [aAt, bAt, btAt, outAt] = this.scratch.layout(m * k, n * k, k * n, m * n);
    this.put(aAt, a, m * k);
    this.put(bAt, b, n * k);
    this.scratch.kernels.transpose(bAt, btAt, n, k);
    this.run(aAt, btAt, outAt, out, m, k, n, accumulate);
  }

  inBatchSoftmax(q: Float32Array, k: Float32Array, b: number, d: number, o: SoftmaxOptions, gradQ: Float32Array, gradK: Float32Array): number {
    const [qAt, kAt, ktAt, logitsAt, transposedAt, logQAt, itemsAt, gradQAt, gradKAt, lossAt] = this.scratch.layout(b * d, b * d, d * b, b * b, b * b, b, b, b * d, b * d, 2);
    const kern = this.scratch.kernels;
    this.put(qAt, q, b * d);
    this.put(kAt, k, b * d);
    if (o.logQ) this.put(logQAt, o.logQ, b);
    if (o.items) this.put(itemsAt, o.items, b);
    kern.transpose(kAt, ktAt, b, d);
    kern.gemm(qAt, ktAt, logitsAt, b, d, b, 0);
    kern.softmaxGrad(logitsAt, b, o.invTemperature, o.logQ ? logQAt : 0, o.items ? itemsAt : 0, lossAt);
    kern.gemm(logitsAt, kAt, gradQAt, b, b, d, 0);
    kern.transpose(logitsAt, transposedAt, b, b);
    kern.gemm(transposedAt, qAt, gradKAt, b, b, d, 0);
    gradQ.set(this.scratch.floats.subarray(gradQAt >> 2, (gradQAt >> 2) + b * d));
    gradK.set(this.scratch.floats.subarray(gradKAt >> 2, (gradKAt >> 2) + b * d));
    return new Float64Array(this.scratch.floats.buffer, lossAt, 1)[0] / b;
  }

  matmulTransA(a: Float32Array, b: Float32Array, out: Float32Array, m: number, k: number, n: number, accumulate = false): void {
    const [aAt, atAt, bAt, outAt] = this.scratch.layout(m * k, k * m, m * n, k * n);
    this.put(aAt, a, m * k);
    this.put(bAt, b, m * n);
    this.scratch.kernels.transpose(aAt, atAt, m, k);
    this.run(atAt, bAt, outAt, out, k, m, n, accumulate);
  }
}

/** The layer kernels for this runtime: WebAssembly SIMD when it compiles, else the TypeScript references ("js" asks for them). */
export function createLayerKernels(choice: "auto" | "js" = "auto"): LayerKernels {
  if (choice === "js") return typeScriptLayerKernels("requested");
  const wasm = denseWasm();
  return wasm instanceof Error ? typeScriptLayerKernels(`WebAssembly unavailable: ${wasm.message}`) : new WasmLayerKernels(new ScratchMemory<DenseWasmExports>(wasm));
}

let shared: LayerKernels | undefined;

/** One set of layer kernels for the layers that are not given theirs: calls on one thread never overlap. */
export function sharedLayerKernels(): LayerKernels {
  shared ??= createLayerKernels();
  return shared;
}

/** Each call in one scratch memory, operands copied in and results out (O(n), as the work). */
class WasmLayerKernels implements LayerKernels {
  readonly label = "wasm-simd";
  constructor(private readonly scratch: ScratchMemory<DenseWasmExports>) {}

  layerNormForward(x: Float32Array, rows: number, d: number, gamma: Float32Array, beta: Float32Array, eps: number, y: Float32Array, xhat: Float32Array, inverseStd: Float32Array): void {
    const n = rows * d;
    const [xAt, gammaAt, betaAt, yAt, xhatAt, invAt] = this.scratch.layout(n, d, d, n, n, rows);
    const f = this.scratch.floats;
    f.set(x.subarray(0, n), xAt >> 2);
    f.set(gamma, gammaAt >> 2);
    f.set(beta, betaAt >> 2);
    this.scratch.kernels.layerNormForward(xAt, rows, d, gammaAt, betaAt, eps, yAt, xhatAt, invAt);
    y.set(f.subarray(yAt >> 2, (yAt >> 2) + n));
    xhat.set(f.subarray(xhatAt >> 2, (xhatAt >> 2) + n));
    inverseStd.set(f.subarray(invAt >> 2, (invAt >> 2) + rows));
  }

  layerNormBackward(dy: Float32Array, xhat: Float32Array, inverseStd: Float32Array, rows: number, d: number, gamma: Float32Array, dx: Float32Array, gammaGrad: Float32Array, betaGrad: Float32Array): void {
    const n = rows * d;
    const [dyAt, xhatAt, invAt, gammaAt, dxAt, gammaGradAt, betaGradAt] = this.scratch.layout(n, n, rows, d, n, d, d);
    const f = this.scratch.floats;
    f.set(dy.subarray(0, n), dyAt >> 2);
    f.set(xhat.subarray(0, n), xhatAt >> 2);
    f.set(inverseStd.subarray(0, rows), invAt >> 2);
    f.set(gamma, gammaAt >> 2);
    f.set(gammaGrad, gammaGradAt >> 2);
    f.set(betaGrad, betaGradAt >> 2);
    this.scratch.kernels.layerNormBackward(dyAt, xhatAt, invAt, rows, d, gammaAt, dxAt, gammaGradAt, betaGradAt);
    dx.set(f.subarray(dxAt >> 2, (dxAt >> 2) + n));
    gammaGrad.set(f.subarray(gammaGradAt >> 2, (gammaGradAt >> 2) + d));
    betaGrad.set(f.subarray(betaGradAt >> 2, (betaGradAt >> 2) + d));
  }

  dropoutForward(x: Float32Array, n: number, state: number, rate: number, y: Float32Array, mask: Float32Array): void {
    const [xAt, yAt, maskAt] = this.scratch.layout(n, n, n);
    const f = this.scratch.floats;
    f.set(x.subarray(0, n), xAt >> 2);
    this.scratch.kernels.dropoutForward(xAt, n, state, MULBERRY32_WEYL, lastDropped(rate), 1 / (1 - rate), yAt, maskAt);
    y.set(f.subarray(yAt >> 2, (yAt >> 2) + n));
    mask.set(f.subarray(maskAt >> 2, (maskAt >> 2) + n));
  }

  dropoutBackward(dy: Float32Array, mask: Float32Array, n: number, dx: Float32Array): void {
    const [dyAt, maskAt, dxAt] = this.scratch.layout(n, n, n);
    const f = this.scratch.floats;
    f.set(dy.subarray(0, n), dyAt >> 2);
    f.set(mask.subarray(0, n), maskAt >> 2);
    this.scratch.kernels.multiply(dyAt, maskAt, n, dxAt);
    dx.set(f.subarray(dxAt >> 2, (dxAt >> 2) + n));
  }

  relu(x: Float32Array, n: number, y: Float32Array): void {
    const [xAt, yAt] = this.scratch.layout(n, n);
    const f = this.scratch.floats;
    f.set(x.subarray(0, n), xAt >> 2);
    this.scratch.kernels.relu(xAt, n, yAt);
    y.set(f.subarray(yAt >> 2, (yAt >> 2) + n));
  }

  reluBackward(y: Float32Array, dy: Float32Array, n: number, dx: Float32Array): void {
    const [yAt, dyAt, dxAt] = this.scratch.layout(n, n, n);
    const f = this.scratch.floats;
    f.set(y.subarray(0, n), yAt >> 2);
    f.set(dy.subarray(0, n), dyAt >> 2);
    this.scratch.kernels.reluBackward(yAt, dyAt, n, dxAt);
    dx.set(f.subarray(dxAt >> 2, (dxAt >> 2) + n));
  }

  addColumnSums(a: Float32Array, rows: number, cols: number, out: Float32Array): void {
    const [aAt, outAt] = this.scratch.layout(rows * cols, cols);
    const f = this.scratch.floats;
    f.set(a.subarray(0, rows * cols), aAt >> 2);
    f.set(out.subarray(0, cols), outAt >> 2);
    this.scratch.kernels.addColumnSums(aAt, rows, cols, outAt);
    out.set(f.subarray(outAt >> 2, (outAt >> 2) + cols));
  }
}
