/**
 * Writes .npy bytes for tests, following NumPy's format description (magic, version, little-endian header
 * length, a Python dict literal padded with spaces to a multiple of 64 bytes and ended by "\n", then the data).
 */
export function encodeNpy(
  values: readonly number[],
  shape: readonly number[],
  opts: { descr?: "<f4" | "<f8" | ">f4" | ">f8" | "<i4"; fortranOrder?: boolean; version?: 1 | 2 } = {},
): Uint8Array {
  const descr = opts.descr ?? "<f4";
  const version = opts.version ?? 1;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  const dict = `{'descr': '${descr}', 'fortran_order': ${opts.fortranOrder ? "True" : "False"}, 'shape': ${shapeText}, }`;
  const prefix = 8 + (version === 1 ? 2 : 4);
  const padded = dict.padEnd(Math.ceil((prefix + dict.length + 1) / 64) * 64 - prefix - 1, " ") + "\n";
  const size = descr.endsWith("8") ? 8 : 4;
  const bytes = new Uint8Array(prefix + padded.length + values.length * size);
  const view = new DataView(bytes.buffer);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  if (version === 1) view.setUint16(8, padded.length, true);
  else view.setUint32(8, padded.length, true);
  bytes.set(new TextEncoder().encode(padded), prefix);
  const little = !descr.startsWith(">");
  values.forEach((v, k) => {
    const at = prefix + padded.length + k * size;
    if (descr.endsWith("i4")) view.setInt32(at, v, little);
    else if (size === 4) view.setFloat32(at, v, little);
    else view.setFloat64(at, v, little);
  });
  return bytes;
}
