export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let d = 0; d < a.length; d++) {
    dot += a[d] * b[d];
    na += a[d] * a[d];
    nb += b[d] * b[d];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** a . b; four independent sums, so the additions do not wait on each other (about 2x one running sum). */
export function dot(a: Float32Array, b: Float32Array): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let d = 0;
  for (; d + 4 <= a.length; d += 4) {
    s0 += a[d] * b[d];
    s1 += a[d + 1] * b[d + 1];
    s2 += a[d + 2] * b[d + 2];
    s3 += a[d + 3] * b[d + 3];
  }
  for (; d < a.length; d++) s0 += a[d] * b[d];
  return s0 + s1 + s2 + s3;
}

/** Mean and (population) standard deviation of the finite entries; [0, 0] when there are none. */
export function finiteMeanAndSd(x: Float32Array): [number, number] {
  let sum = 0;
  let squares = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!Number.isFinite(v)) continue;
    sum += v;
    squares += v * v;
    n++;
  }
  if (n === 0) return [0, 0];
  const mean = sum / n;
  return [mean, Math.sqrt(Math.max(squares / n - mean * mean, 0))];
}

/** Each f-long row scaled to unit length; zero rows stay zero (similar to nothing). */
export function unitRows(vectors: Float32Array, f: number): Float32Array {
  const out = new Float32Array(vectors.length);
  for (let r = 0; r < vectors.length / f; r++) {
    const row = vectors.subarray(r * f, (r + 1) * f);
    const norm = Math.sqrt(dot(row, row));
    if (norm > 0) for (let d = 0; d < f; d++) out[r * f + d] = row[d] / norm;
  }
  return out;
}
