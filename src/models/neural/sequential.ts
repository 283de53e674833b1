import type { Layer, Matrix, Param } from "./types.ts";

/** Layers applied in order; backward runs them in reverse. */
export class Sequential implements Layer {
  constructor(readonly layers: readonly Layer[]) {}

  params(): Param[] {
    return this.layers.flatMap((l) => l.params());
  }

  forward(x: Matrix, train: boolean): Matrix {
    let y = x;
    for (const l of this.layers) y = l.forward(y, train);
    return y;
  }

  backward(dy: Matrix): Matrix {
    let g = dy;
    for (let k = this.layers.length - 1; k >= 0; k--) g = this.layers[k].backward(g);
    return g;
  }
}
