import { type SparseKernels, sparseKernelsReference } from "../../numeric/training-kernels.ts";
import { type Layer, type Matrix, matrix, type Param } from "./types.ts";
import { tableParam } from "./param.ts";

/**
 * Rows of a table looked up by index; the gradient goes to the looked-up rows only (Param.touched). Gathers
 * and scatter-adds run on `kernels` (WebAssembly SIMD when the table lives in their memory, else the TypeScript references).
 */
export class Embedding implements Layer<Int32Array, Matrix, void> {
  readonly table: Param;
  private ids?: Int32Array;
  private readonly marks = new RowMarks();

  /** `table` may be shared with other layers (e.g. an EmbeddingBag pooling the same rows). */
  constructor(
    table: Param,
    private readonly kernels: SparseKernels = sparseKernelsReference,
  ) {
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
    for (const id of ids) if (!(id >= 0 && id < this.rows)) throw new Error(`${this.table.name}: index ${id} is outside the ${this.rows} rows`);
    const y = matrix(ids.length, w);
    this.kernels.bagSum(this.table.value, w, { ids }, y.data, ids.length);
    this.ids = ids;
    return y;
  }

  backward(dy: Matrix): void {
    const ids = this.ids!;
    this.kernels.bagScatter(this.table.grad, this.width, { ids }, dy.data, ids.length);
    this.marks.addRows(this.table, ids, 0, ids.length);
    this.marks.clear();
  }
}

/**
 * Bags of weighted indices, CSR-shaped: bag r holds ids[offsets[r] .. offsets[r+1]) with their weights. With
 * `select`, the layer's row r is bag select[r] (a batch's rows of a fixed set of bags, without copying them).
 */
export interface Bags {
  offsets: Int32Array;
  ids: Int32Array;
  weights: Float32Array;
  select?: Int32Array;
}

/** Row r = sum over bag r of weight * table row (an empty bag gives zeros): feature bags and pooled histories. Runs on `kernels` as Embedding does. */
export class EmbeddingBag implements Layer<Bags, Matrix, void> {
  private bags?: Bags;
  private readonly marks = new RowMarks();

  constructor(
    readonly table: Param,
    private readonly kernels: SparseKernels = sparseKernelsReference,
  ) {
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
    const rows = rowsOf(bags);
    const limit = this.table.value.length / w;
    const { offsets, ids } = bags;
    for (let r = 0; r < rows; r++) {
      const bag = bags.select ? bags.select[r] : r;
      if (!(bag >= 0 && bag < offsets.length - 1)) throw new Error(`${this.table.name}: bag ${bag} is outside the ${offsets.length - 1} bags`);
      for (let e = offsets[bag]; e < offsets[bag + 1]; e++) if (!(ids[e] >= 0 && ids[e] < limit)) throw new Error(`${this.table.name}: index ${ids[e]} is outside the ${limit} rows`);
    }
    const y = matrix(rows, w);
    this.kernels.bagSum(this.table.value, w, bags, y.data, rows, bags.select);
    this.bags = bags;
    return y;
  }

  backward(dy: Matrix): void {
    const bags = this.bags!;
    const { offsets, ids, select } = bags;
    const rows = rowsOf(bags);
    this.kernels.bagScatter(this.table.grad, this.width, bags, dy.data, rows, select);
    if (!select) this.marks.addRows(this.table, ids, offsets[0], offsets[rows]);
    else for (const bag of select) this.marks.addRows(this.table, ids, offsets[bag], offsets[bag + 1]);
    this.marks.clear();
  }
}

/**
 * Adds table rows to Param.touched once each: a batch names the same rows many times, and a mark per row is
 * cheaper than asking the Set every time. The marks are this call's only: clear() resets them.
 */
class RowMarks {
  private marked = new Uint8Array(0);
  private added: number[] = [];

  addRows(table: Param, ids: Int32Array, from: number, to: number): void {
    const rows = table.value.length / table.touched!.width;
    if (this.marked.length < rows) this.marked = new Uint8Array(rows);
    const touched = table.touched!.rows;
    for (let e = from; e < to; e++) {
      const id = ids[e];
      if (this.marked[id]) continue;
      this.marked[id] = 1;
      this.added.push(id);
      touched.add(id);
    }
  }

  clear(): void {
    for (const id of this.added) this.marked[id] = 0;
    this.added.length = 0;
  }
}

const rowsOf = (bags: Bags) => (bags.select ? bags.select.length : bags.offsets.length - 1);
