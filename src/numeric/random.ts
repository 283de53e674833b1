/** mulberry32's state step: draw i after state s is the output for state s + (i + 1) * WEYL (mod 2^32). */
export const MULBERRY32_WEYL = 0x6d2b79f5;

/** A seeded uniform source: each call gives the next number of its stream, in [0, 1). */
export interface SeededRandom {
  (): number;
  /**
   * Moves the stream past its next `count` draws and returns the state they start from, for a caller that
   * computes them itself in bulk (mulberry32Bits, or a SIMD kernel doing the same steps): the same stream as
   * `count` calls, each call's number being the draw's 32 bits / 2^32 exactly.
   */
  skip(count: number): number;
}

/** `next` as a SeededRandom when it is one (mulberry32's), else undefined. */
export function seededStream(next: () => number): SeededRandom | undefined {
  return typeof (next as Partial<SeededRandom>).skip === "function" ? (next as SeededRandom) : undefined;
}

/**
 * mulberry32: a tiny seeded PRNG (32-bit state), so model initialisation is reproducible on every runtime.
 * Returns a function giving uniform numbers in [0, 1).
 */
export function mulberry32(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = (() => {
    state = (state + MULBERRY32_WEYL) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }) as SeededRandom;
  next.skip = (count) => {
    const from = state;
    state = (state + Math.imul(count, MULBERRY32_WEYL)) >>> 0;
    return from;
  };
  return next;
}

/**
 * The out.length draws of mulberry32 after `state` (from SeededRandom.skip), as their unsigned 32 bits: the same
 * steps in int32 arithmetic (the same low 32 bits) on a local state, stored through an Int32Array view of the
 * same bytes, so no number is boxed and none converted to unsigned per draw.
 */
export function mulberry32Bits(state: number, out: Uint32Array): void {
  const bits = new Int32Array(out.buffer, out.byteOffset, out.length);
  let s = state | 0;
  for (let i = 0; i < bits.length; i++) {
    s = (s + MULBERRY32_WEYL) | 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= (t + Math.imul(t ^ (t >>> 7), t | 61)) | 0;
    bits[i] = t ^ (t >>> 14);
  }
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
