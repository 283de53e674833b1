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

/** A differentiable step. forward keeps what backward needs; backward must follow the forward it belongs to. */
export interface Layer<In = Matrix, Out = Matrix> {
  params(): Param[];
  forward(input: In, train: boolean): Out;
  /** Accumulates parameter gradients and returns d(loss)/d(input). */
  backward(gradOut: Out): In;
}

/** Updates parameters from their gradients, then zeroes the gradients. */
export interface Optimizer {
  step(params: readonly Param[]): void;
}
