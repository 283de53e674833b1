/** A half-open range [start, end) of positions in the list being ranked. */
export interface Window {
  start: number;
  end: number;
}

/**
 * Sliding windows as in RankGPT: `size` positions, moving from the back of the list to the front by `stride`,
 * so the best items bubble up and the first `stride` positions end up ranked against the whole list. The last
 * window is moved to start at 0 (keeping its size) so the head of the list is always ranked.
 */
export function slidingWindows(n: number, size: number, stride: number): Window[] {
  if (n <= size) return [{ start: 0, end: n }];
  const windows: Window[] = [];
  let start = n - size;
  for (; start > 0; start -= stride) windows.push({ start, end: start + size });
  windows.push({ start: 0, end: size });
  return windows;
}

/** Reranks `list` window by window; `rankWindow` returns a permutation of the items it is given. */
export async function slide(
  list: readonly number[],
  windows: readonly Window[],
  rankWindow: (items: number[], window: number) => Promise<number[]>,
): Promise<number[]> {
  const out = [...list];
  for (const [w, { start, end }] of windows.entries()) out.splice(start, end - start, ...(await rankWindow(out.slice(start, end), w)));
  return out;
}
