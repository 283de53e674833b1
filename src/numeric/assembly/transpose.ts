// The tiled transpose shared by the kernel modules, in AssemblyScript. Arguments are byte offsets into linear memory.

/** Rows [from, to) of src (rows x cols) into columns [from, to) of dst (cols x rows), in 8 x 8 tiles. */
export function transposeBlock(src: usize, dst: usize, rows: i32, cols: i32, from: i32, to: i32): void {
  for (let r0 = from; r0 < to; r0 += 8) {
    const r1 = min(r0 + 8, to);
    for (let c0 = 0; c0 < cols; c0 += 8) {
      const c1 = min(c0 + 8, cols);
      for (let r = r0; r < r1; r++) {
        for (let c = c0; c < c1; c++) {
          store<f32>(dst + ((<usize>c * rows + r) << 2), load<f32>(src + ((<usize>r * cols + c) << 2)));
        }
      }
    }
  }
}
