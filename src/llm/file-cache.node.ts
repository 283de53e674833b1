import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { LlmCache } from "./cache.ts";

/**
 * One JSON file per key under `dir`, for eval runs that replay the same prompts across processes.
 * Writes go to a temporary file renamed into place, so a reader never sees half an answer and
 * concurrent writers of the same key leave one complete file.
 */
export class FileCache implements LlmCache {
  constructor(private readonly dir: string) {}

  async get(key: string): Promise<string | undefined> {
    try {
      const stored = JSON.parse(await readFile(this.pathOf(key), "utf8")) as { value?: unknown };
      return typeof stored.value === "string" ? stored.value : undefined;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }

  async set(key: string, value: string): Promise<void> {
    const path = this.pathOf(key);
    const tmp = `${path}.${randomUUID()}.tmp`;
    await mkdir(this.dir, { recursive: true });
    await writeFile(tmp, JSON.stringify({ value }), "utf8");
    await rename(tmp, path);
  }

  private pathOf(key: string): string {
    // Keys come from cacheKey (hex digests); anything else could escape the directory.
    if (!/^[0-9a-f]{16,128}$/.test(key)) throw new Error(`FileCache: not a hex cache key: ${key.slice(0, 40)}`);
    return join(this.dir, `${key}.json`);
  }
}
