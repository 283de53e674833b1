/*
 * Deadlines for interactive LLM stages. A stage runs its calls under one signal that aborts when the caller's
 * does or when its time is up; the time-up abort carries a TimeoutError, so the client reports "timeout" (the
 * stage was too slow) rather than "aborted" (the caller left), and the stage falls back labelled accordingly.
 */

const TIMEOUT_ERROR = "TimeoutError";

/** True for the reason a deadline (or AbortSignal.timeout) aborts with. */
export function isDeadlineReason(reason: unknown): boolean {
  return typeof reason === "object" && reason !== null && (reason as { name?: unknown }).name === TIMEOUT_ERROR;
}

/** Runs `work` under a signal that aborts when `signal` does or `ms` after now; the timer ends with the work. */
export async function withDeadline<T>(ms: number, signal: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new DOMException(`the ${ms} ms deadline passed`, TIMEOUT_ERROR)), ms);
  try {
    return await work(signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal);
  } finally {
    clearTimeout(timer);
  }
}

