import { appendFileSync, closeSync, existsSync, fsyncSync, openSync, readFileSync } from "node:fs";

/**
 * An append-only JSON-lines file. Each append is one write of one whole line followed by fsync, so an
 * acknowledged record survives a kill or a crash. A kill mid-write can leave a partial last line: replay
 * skips it (it was never acknowledged) and reports it.
 */
export class JsonlLog<T> {
  constructor(readonly file: string) {}

  append(record: T): void {
    const fd = openSync(this.file, "a");
    try {
      appendFileSync(fd, `${JSON.stringify(record)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Every complete record in order; `warn` hears about a torn or unreadable line. A torn last line is closed
   * with a newline so the next append starts a line of its own.
   */
  replay(warn: (message: string) => void = () => {}): T[] {
    if (!existsSync(this.file)) return [];
    const text = readFileSync(this.file, "utf8");
    if (text !== "" && !text.endsWith("\n")) appendFileSync(this.file, "\n");
    const lines = text.split("\n");
    const out: T[] = [];
    lines.forEach((line, k) => {
      if (line === "") return;
      const last = k === lines.length - 1;
      try {
        out.push(JSON.parse(line) as T);
      } catch {
        warn(`${this.file}:${k + 1}: ${last ? "partial last line (interrupted write) skipped" : "unreadable line skipped"}`);
      }
    });
    return out;
  }
}
