/**
 * The neural training engine's contract: layers with hand-written backward passes (no autograd). Every layer
 * owns its parameters; `backward` adds into their gradients and returns the gradient of its input. Matrices
 * are row-major Float32Arrays (rows x cols), like factor matrices elsewhere.
 */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

/** A trainable tensor and its gradient (same length). */
export interface Param {
  readonly name: string;
  readonly value: Float32Array;
  readonly grad: Float32Array;
  /**
   * Embedding tables: the rows whose gradient is non-zero this step (width = row length), so the optimiser
   * touches only them; undefined for dense parameters.
   */
  readonly touched?: { rows: Set<number>; width: number };
}

/**
 * A differentiable step. forward keeps what backward needs; backward must follow the forward it belongs to.
 * GradIn is what backward returns: the input's gradient, or void for inputs that have none (embedding ids).
 * A layer may return storage it reuses (ReusedFloats): what forward returns is valid until the layer's next
 * forward, what backward returns until its next backward; copy what must outlive that.
 */
export interface Layer<In = Matrix, Out = Matrix, GradIn = In> {
  params(): Param[];
  forward(input: In, train: boolean): Out;
  /** Accumulates parameter gradients and returns d(loss)/d(input). */
  backward(gradOut: Out): GradIn;
}

export function matrix(rows: number, cols: number, data: Float32Array = new Float32Array(rows * cols)): Matrix {
  if (data.length !== rows * cols) throw new Error(`a ${rows} x ${cols} matrix needs ${rows * cols} floats, got ${data.length}`);
  return { rows, cols, data };
}

/** Updates parameters from their gradients, then zeroes the gradients. */
export interface Optimizer {
  step(params: readonly Param[]): void;
}
