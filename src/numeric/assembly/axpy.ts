// y += a * x over one row, shared by the kernel modules (als.ts, training.ts), in AssemblyScript. Arguments are
// byte offsets into linear memory.

/** out row += s * src row, over `width` floats: whole vectors first, then the scalar tail. */
// @ts-ignore: decorator
@inline export function axpyRow(s: f32, src: usize, out: usize, width: i32): void {
  const sv = f32x4.splat(s);
  const vecBytes = <usize>(width & ~3) << 2;
  let o: usize = 0;
  for (; o + 64 <= vecBytes; o += 64) {
    v128.store(out + o, f32x4.add(v128.load(out + o), f32x4.mul(sv, v128.load(src + o))));
    v128.store(out + o, f32x4.add(v128.load(out + o, 16), f32x4.mul(sv, v128.load(src + o, 16))), 16);
    v128.store(out + o, f32x4.add(v128.load(out + o, 32), f32x4.mul(sv, v128.load(src + o, 32))), 32);
    v128.store(out + o, f32x4.add(v128.load(out + o, 48), f32x4.mul(sv, v128.load(src + o, 48))), 48);
  }
  for (; o < vecBytes; o += 16) v128.store(out + o, f32x4.add(v128.load(out + o), f32x4.mul(sv, v128.load(src + o))));
  const bytes = <usize>width << 2;
  for (; o < bytes; o += 4) store<f32>(out + o, load<f32>(out + o) + s * load<f32>(src + o));
}
