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

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let d = 0; d < a.length; d++) s += a[d] * b[d];
  return s;
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
