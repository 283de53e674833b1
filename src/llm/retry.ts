/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const sleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/**
 * Delay before retry number `retry` (0-based): the server's Retry-After when it sent one, else exponential
 * backoff with "equal jitter" (half fixed, half random) so clients that failed together do not retry together.
 * Both are capped at `maxMs`.
 */
export function retryDelayMs(retry: number, opts: { baseMs: number; maxMs: number; retryAfterMs?: number; random?: () => number }): number {
  if (opts.retryAfterMs !== undefined) return Math.min(opts.retryAfterMs, opts.maxMs);
  const exponential = Math.min(opts.maxMs, opts.baseMs * 2 ** retry);
  return exponential / 2 + (exponential / 2) * (opts.random ?? Math.random)();
}

/** Milliseconds a response asks us to wait: OpenAI's retry-after-ms, or Retry-After in seconds or as an HTTP date. */
export function retryAfterMs(headers: Headers | undefined, nowMs: number): number | undefined {
  const ms = Number(headers?.get("retry-after-ms") ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers?.get("retry-after")?.trim();
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
