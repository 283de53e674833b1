import { type Layer, type Matrix, matrix, type Param } from "./types.ts";
import { tableParam } from "./param.ts";

/** Rows of a table looked up by index; the gradient goes to the looked-up rows only (Param.touched). */
export class Embedding implements Layer<Int32Array, Matrix, void> {
  readonly table: Param;
  private ids?: Int32Array;

  /** `table` may be shared with other layers (e.g. an EmbeddingBag pooling the same rows). */
  constructor(table: Param) {
    if (!table.touched) throw new Error(`${table.name}: an embedding needs a table parameter (tableParam)`);
    this.table = table;
  }

  static create(name: string, rows: number, width: number, value?: Float32Array): Embedding {
    return new Embedding(tableParam(name, rows, width, value));
  }

  get width(): number {
    return this.table.touched!.width;
  }

  get rows(): number {
    return this.table.value.length / this.width;
  }

  params(): Param[] {
    return [this.table];
  }

  forward(ids: Int32Array, _train?: boolean): Matrix {
    const w = this.width;
    const y = matrix(ids.length, w);
    for (let r = 0; r < ids.length; r++) {
      const id = ids[r];
      if (!(id >= 0 && id < this.rows)) throw new Error(`${this.table.name}: index ${id} is outside the ${this.rows} rows`);
      y.data.set(this.table.value.subarray(id * w, (id + 1) * w), r * w);
    }
    this.ids = ids;
    return y;
  }

  backward(dy: Matrix): void {
    const ids = this.ids!;
    const w = this.width;
    const { grad, touched } = this.table;
    const g = dy.data;
    for (let r = 0; r < ids.length; r++) {
      const o = ids[r] * w;
      for (let j = 0; j < w; j++) grad[o + j] += g[r * w + j];
      touched!.rows.add(ids[r]);
    }
  }
}

/** Bags of weighted indices, CSR-shaped: bag r holds ids[offsets[r] .. offsets[r+1]) with their weights. */
export interface Bags {
  offsets: Int32Array;
  ids: Int32Array;
  weights: Float32Array;
}

/** Row r = sum over bag r of weight * table row (an empty bag gives zeros): feature bags and pooled histories. */
export class EmbeddingBag implements Layer<Bags, Matrix, void> {
  private bags?: Bags;

  constructor(readonly table: Param) {
    if (!table.touched) throw new Error(`${table.name}: an embedding bag needs a table parameter (tableParam)`);
  }

  get width(): number {
    return this.table.touched!.width;
  }

  params(): Param[] {
    return [this.table];
  }

  forward(bags: Bags, _train?: boolean): Matrix {
    const w = this.width;
    const rows = bags.offsets.length - 1;
    const limit = this.table.value.length / w;
    const y = matrix(rows, w);
    const v = this.table.value;
    const out = y.data;
    const { offsets, ids, weights } = bags;
    for (let r = 0; r < rows; r++) {
      const o = r * w;
      for (let e = offsets[r]; e < offsets[r + 1]; e++) {
        const id = ids[e];
        if (!(id >= 0 && id < limit)) throw new Error(`${this.table.name}: index ${id} is outside the ${limit} rows`);
        const s = weights[e];
        const t = id * w;
        for (let j = 0; j < w; j++) out[o + j] += s * v[t + j];
      }
    }
    this.bags = bags;
    return y;
  }

  backward(dy: Matrix): void {
    const { offsets, ids, weights } = this.bags!;
    const w = this.width;
    const { grad, touched } = this.table;
    const g = dy.data;
    for (let r = 0; r < offsets.length - 1; r++) {
      const o = r * w;
      for (let e = offsets[r]; e < offsets[r + 1]; e++) {
        const s = weights[e];
        const t = ids[e] * w;
        for (let j = 0; j < w; j++) grad[t + j] += s * g[o + j];
      }
    }
    for (const id of ids) touched!.rows.add(id);
  }
}
