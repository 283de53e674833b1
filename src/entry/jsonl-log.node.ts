import { appendFileSync, closeSync, existsSync, fsyncSync, openSync, readFileSync, readSync, statSync } from "node:fs";

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

  /** Bytes in the file now: between appends, the end of the last whole record. */
  size(): number {
    return existsSync(this.file) ? statSync(this.file).size : 0;
  }

  /**
   * Every complete record in order; `warn` hears about a torn or unreadable line. A torn last line is closed
   * with a newline so the next append starts a line of its own. Only the file's writer may call this.
   */
  replay(warn: (message: string) => void = () => {}): T[] {
    if (!existsSync(this.file)) return [];
    const text = readFileSync(this.file, "utf8");
    if (text !== "" && !text.endsWith("\n")) appendFileSync(this.file, "\n");
    return this.parse(text, warn);
  }

  /**
   * The records in the file's first `bytes` bytes (a size the writer reported), without touching the file:
   * how a reader beside the writer catches up while the writer goes on appending.
   */
  readUpTo(bytes: number, warn: (message: string) => void = () => {}): T[] {
    if (bytes === 0) return [];
    const buffer = Buffer.alloc(bytes);
    const fd = openSync(this.file, "r");
    try {
      let read = 0;
      while (read < bytes) {
        const n = readSync(fd, buffer, read, bytes - read, read);
        if (n === 0) throw new Error(`${this.file} has ${read} bytes, fewer than the ${bytes} its writer reported`);
        read += n;
      }
    } finally {
      closeSync(fd);
    }
    return this.parse(buffer.toString("utf8"), warn);
  }

  private parse(text: string, warn: (message: string) => void): T[] {
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
