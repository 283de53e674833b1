import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadDataset } from "./files.node.ts";
import { formatSplitRow, splitByUser } from "./split.ts";

const row = (user: string, item: string, timestamp: number) => ({ user, item, value: 1, timestamp });

describe("splitByUser (protocol P1)", () => {
  it("holds out the last max(1, floor(0.2 n)) rows by (timestamp, item id as a string)", () => {
    const rows = [row("a", "9", 5), row("a", "10", 5), row("a", "2", 1), row("a", "3", 2), row("a", "4", 3), row("b", "1", 1)];
    const { train, test } = splitByUser(rows);
    // "10" < "9" as strings, so at timestamp 5 item 10 comes first and 9 is last.
    expect(test.map((r) => r.item)).toEqual(["9"]);
    expect(train.map((r) => `${r.user}:${r.item}`)).toEqual(["a:2", "a:3", "a:4", "a:10", "b:1"]);
  });

  it("keeps users with fewer than 5 rows whole in train", () => {
    const rows = [1, 2, 3, 4].map((t) => row("u", String(t), t));
    expect(splitByUser(rows).test).toEqual([]);
  });

  it("reproduces the shipped MovieLens split byte for byte", () => {
    const { train, test } = splitByUser(loadDataset("ml-latest-small").rows);
    const dir = new URL("../../data/splits/ml-latest-small/", import.meta.url);
    const asFile = (rows: typeof train) => `${rows.map(formatSplitRow).join("\n")}\n`;
    expect(asFile(train) === readFileSync(new URL("train.tsv", dir), "utf8")).toBe(true);
    expect(asFile(test) === readFileSync(new URL("test.tsv", dir), "utf8")).toBe(true);
    expect([train.length, test.length]).toEqual([80896, 19940]);
  });

  it("formats values as Python prints floats", () => {
    expect(formatSplitRow({ user: "1", item: "2", value: 4, timestamp: 99 })).toBe("1\t2\t4.0\t99");
    expect(formatSplitRow({ user: "1", item: "2", value: 3.5, timestamp: 99 })).toBe("1\t2\t3.5\t99");
  });
});
