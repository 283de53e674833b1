/**
 * Storage a layer writes an output or gradient into on every call, kept between calls so that training does not
 * allocate (and then collect) a large array per layer per step. What a layer returns from such storage is valid
 * until that layer's next call of the same method (see Layer in types.ts).
 */
export class ReusedFloats {
  private store = new Float32Array(0);

  /** n floats, holding whatever the last call left: the caller overwrites them. Grows by half again when too small. */
  take(n: number): Float32Array {
    if (n > this.store.length) this.store = new Float32Array(Math.max(n, Math.floor(this.store.length * 1.5)));
    return n === this.store.length ? this.store : this.store.subarray(0, n);
  }
}
