/** A seeded uniform source: each call gives the next number of its stream, in [0, 1). */
export interface SeededRandom {
  (): number;
  /**
   * Takes the next out.length draws of the same stream in one loop, as the unsigned 32-bit integers they come
   * from (a call's number is its integer / 2^32, exactly), for loops that would otherwise call per element.
   */
  fillBits(out: Uint32Array): void;
}

/** The bulk path of `next` when it has one (mulberry32's), else undefined. */
export function bitsSource(next: () => number): SeededRandom["fillBits"] | undefined {
  const fill = (next as Partial<SeededRandom>).fillBits;
  return typeof fill === "function" ? fill : undefined;
}

/**
 * mulberry32: a tiny seeded PRNG (32-bit state), so model initialisation is reproducible on every runtime.
 * Returns a function giving uniform numbers in [0, 1).
 */
export function mulberry32(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = (() => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }) as SeededRandom;
  // The same steps in int32 arithmetic (the same low 32 bits) on a local state, stored through an Int32Array view
  // of the same bytes: no boxed number per draw and no unsigned conversion per store.
  next.fillBits = (out) => {
    const bits = new Int32Array(out.buffer, out.byteOffset, out.length);
    let s = state | 0;
    for (let i = 0; i < bits.length; i++) {
      s = (s + 0x6d2b79f5) | 0;
      let t = Math.imul(s ^ (s >>> 15), s | 1);
      t ^= (t + Math.imul(t ^ (t >>> 7), t | 61)) | 0;
      bits[i] = t ^ (t >>> 14);
    }
    state = s >>> 0;
  };
  return next;
}

/** An array of `length` uniform values in [0, scale), drawn in order from `next`. */
export function uniformArray(length: number, scale: number, next: () => number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = next() * scale;
  return out;
}

/** Standard normal draws from the uniform source `next` (Box-Muller; the second draw of each pair is kept). */
export function normalSampler(next: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const z = spare;
      spare = undefined;
      return z;
    }
    // 1 - next() lies in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - next()));
    const angle = 2 * Math.PI * next();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}

/** Fisher-Yates shuffle of a[from..to) in place, drawing from `next`. */
export function shuffle(a: Int32Array, next: () => number, from = 0, to = a.length): void {
  for (let k = to - 1; k > from; k--) {
    const j = from + Math.floor(next() * (k - from + 1));
    const t = a[k];
    a[k] = a[j];
    a[j] = t;
  }
}
