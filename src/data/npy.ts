import { DataFormatError } from "../core/errors.ts";

/** A 2-D float matrix read from an .npy file, as the project keeps factor matrices: one row-major Float32Array. */
export interface NpyMatrix {
  rows: number;
  cols: number;
  data: Float32Array;
  /** The file's own element type, e.g. "<f8" (float64 values are narrowed to float32). */
  dtype: string;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const FLOAT_BYTES: Record<string, 4 | 8> = { f4: 4, f8: 8 };
const SAVE_HINT = "save the matrix with numpy.save(path, factors.astype(numpy.float32))";

/**
 * Reads NumPy's .npy format (versions 1, 2 and 3): the magic string, a version, the header length, a Python
 * dict literal with `descr`, `fortran_order` and `shape`, then the raw elements. Only 2-D float32/float64
 * matrices are accepted, in either byte order; Fortran (column-major) order is transposed to row-major.
 */
export function parseNpy(bytes: Uint8Array, file: string): NpyMatrix {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) throw new DataFormatError(file, undefined, `is a zip archive (.npz?), not an .npy file: ${SAVE_HINT}`);
  if (bytes.length < 10 || MAGIC.some((b, k) => bytes[k] !== b)) {
    throw new DataFormatError(file, undefined, `not an .npy file (it does not start with "\\x93NUMPY"): ${SAVE_HINT}`);
  }
  const major = bytes[6];
  if (major < 1 || major > 3) throw new DataFormatError(file, undefined, `.npy format version ${major}.${bytes[7]} is not supported (1.0, 2.0 and 3.0 are)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lengthBytes + headerLength;
  if (dataStart > bytes.length) throw new DataFormatError(file, undefined, `the .npy header claims ${headerLength} bytes but the file has ${bytes.length}: truncated?`);
  const headerBytes = bytes.subarray(8 + lengthBytes, dataStart);
  // Versions 1 and 2 are latin-1 (one char per byte; workerd's TextDecoder has no latin-1), 3 is UTF-8.
  const header = major === 3 ? new TextDecoder().decode(headerBytes) : Array.from(headerBytes, (b) => String.fromCharCode(b)).join("");
  const { descr, fortranOrder, shape } = parseHeader(header, file);

  const match = /^([<>=])(f[48])$/.exec(descr);
  if (!match) throw new DataFormatError(file, undefined, `element type "${descr}" is not float32 or float64: ${SAVE_HINT}`);
  if (shape.length !== 2) {
    throw new DataFormatError(file, undefined, `expected a 2-D matrix (items x factors), got shape (${shape.join(", ")}): reshape it to (n, f) before saving`);
  }
  const [rows, cols] = shape;
  const size = FLOAT_BYTES[match[2]];
  const littleEndian = match[1] !== ">";
  const expected = rows * cols * size;
  const available = bytes.length - dataStart;
  if (available !== expected) {
    throw new DataFormatError(file, undefined, `shape (${rows}, ${cols}) of ${descr} needs ${expected} data bytes, the file has ${available}: ${available < expected ? "truncated" : "trailing bytes"}?`);
  }
  const data = new Float32Array(rows * cols);
  for (let k = 0; k < data.length; k++) {
    // Element k of the file is (r, c) in C order, (c, r) in Fortran order.
    const at = dataStart + k * size;
    const value = size === 4 ? view.getFloat32(at, littleEndian) : view.getFloat64(at, littleEndian);
    data[fortranOrder ? (k % rows) * cols + Math.floor(k / rows) : k] = value;
  }
  return { rows, cols, data, dtype: descr };
}

function parseHeader(header: string, file: string): { descr: string; fortranOrder: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shape) {
    throw new DataFormatError(file, undefined, `the .npy header is not a dict with 'descr', 'fortran_order' and 'shape' (${JSON.stringify(header.trim().slice(0, 120))}): ${SAVE_HINT}`);
  }
  const dims = shape[1].split(",").map((s) => s.trim().replace(/L$/, "")).filter((s) => s !== "");
  const numbers = dims.map(Number);
  if (numbers.some((n) => !Number.isSafeInteger(n) || n < 0)) throw new DataFormatError(file, undefined, `the .npy shape (${shape[1]}) is not a tuple of sizes`);
  return { descr: descr[1], fortranOrder: fortran[1] === "True", shape: numbers };
}

/**
 * The id list that names an .npy matrix's rows: one id per line, in row order. Surrounding spaces and a
 * final newline are ignored; an empty line inside the list is an error (it would shift every later id).
 */
export function parseIdList(text: string, file: string): string[] {
  const lines = text.split("\n").map((l) => l.trim());
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const blank = lines.indexOf("");
  if (blank >= 0) throw new DataFormatError(file, blank + 1, "empty line in the id list: one id per line, in the matrix's row order");
  return lines;
}
