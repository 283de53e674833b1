import type { Server } from "node:http";

/**
 * A close() that drains: the server stops accepting at once, idle keep-alive connections close, each request in
 * flight finishes and its connection closes behind it (instead of idling until the keep-alive timeout), and
 * whatever is still open after `graceMs` is cut. Set it up as soon as the server listens.
 */
export function drainingClose(server: Server, graceMs: number): () => Promise<void> {
  server.on("request", (_req, res) => {
    // The connection turns idle only after the response is done, hence the next turn of the loop.
    res.once("close", () => {
      if (!server.listening) setImmediate(() => server.closeIdleConnections());
    });
  });
  return () =>
    new Promise<void>((resolve) => {
      const cut = setTimeout(() => server.closeAllConnections(), graceMs);
      server.close(() => {
        clearTimeout(cut);
        resolve();
      });
      server.closeIdleConnections();
    });
}
