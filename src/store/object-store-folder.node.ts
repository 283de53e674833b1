import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile, link } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { InputError } from "../core/errors.ts";
import type { ObjectStore } from "./object-store.ts";

/** An ObjectStore in a local folder: writes go to a temporary file and are renamed (or linked) into place. */
export class FolderObjectStore implements ObjectStore {
  readonly url: string;
  private readonly root: string;

  constructor(folder: string) {
    this.root = resolve(folder);
    this.url = this.root;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.pathOf(key)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    const temp = await this.writeTemp(key, body);
    await rename(temp, this.pathOf(key));
  }

  async putIfAbsent(key: string, body: Uint8Array | string): Promise<boolean> {
    const temp = await this.writeTemp(key, body);
    try {
      // link() fails when the target exists, so exactly one of several racing writers wins.
      await link(temp, this.pathOf(key));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw e;
    } finally {
      await rm(temp, { force: true });
    }
  }

  async list(prefix: string, opts: { startAfter?: string } = {}): Promise<string[]> {
    const after = opts.startAfter ?? "";
    const keys: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
        throw e;
      }
      for (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.name.startsWith(".tmp-")) continue;
        if (entry.isDirectory()) await walk(path);
        else {
          const key = relative(this.root, path).split(sep).join("/");
          if (key.startsWith(prefix) && key > after) keys.push(key);
        }
      }
    };
    // Only the folder the prefix names can hold its keys: a log's prefix need not walk the LanceDB folders beside it.
    const folder = prefix.includes("/") ? prefix.slice(0, prefix.lastIndexOf("/")) : "";
    await walk(folder ? this.pathOf(folder) : this.root);
    return keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  private pathOf(key: string): string {
    const path = resolve(this.root, key);
    if (key === "" || !path.startsWith(this.root + sep)) throw new InputError(`object key "${key}" leaves the store ${this.root}`);
    return path;
  }

  private async writeTemp(key: string, body: Uint8Array | string): Promise<string> {
    const dir = dirname(this.pathOf(key));
    await mkdir(dir, { recursive: true });
    const temp = join(dir, `.tmp-${randomUUID()}`);
    await writeFile(temp, body);
    return temp;
  }
}
