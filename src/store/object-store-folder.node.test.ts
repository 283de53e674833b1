import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { describeObjectStoreContract } from "./object-store.contract.ts";
import { FolderObjectStore } from "./object-store-folder.node.ts";

describeObjectStoreContract("folder", async () => new FolderObjectStore(mkdtempSync(join(tmpdir(), "recagent-store-"))));

it("refuses keys that would leave the folder", async () => {
  const store = new FolderObjectStore(mkdtempSync(join(tmpdir(), "recagent-store-")));
  await expect(store.put("../escape", "x")).rejects.toThrow(/leaves the store/);
});
