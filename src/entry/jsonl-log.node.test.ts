import { appendFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JsonlLog } from "./jsonl-log.node.ts";

describe("JsonlLog", () => {
  it("replays appended records in order", () => {
    const log = new JsonlLog<{ n: number }>(join(mkdtempSync(join(tmpdir(), "log-")), "a.jsonl"));
    expect(log.replay()).toEqual([]);
    log.append({ n: 1 });
    log.append({ n: 2 });
    expect(log.replay()).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it("skips a torn last line, reports it, and keeps later appends whole", () => {
    const log = new JsonlLog<{ n: number }>(join(mkdtempSync(join(tmpdir(), "log-")), "a.jsonl"));
    log.append({ n: 1 });
    appendFileSync(log.file, '{"n":');
    const warnings: string[] = [];
    expect(log.replay((w) => warnings.push(w))).toEqual([{ n: 1 }]);
    expect(warnings[0]).toMatch(/a\.jsonl:2: partial last line/);
    log.append({ n: 3 });
    expect(log.replay()).toEqual([{ n: 1 }, { n: 3 }]);
    expect(readFileSync(log.file, "utf8")).toBe('{"n":1}\n{"n":\n{"n":3}\n');
  });
});

describe("JsonlLog.readUpTo", () => {
  it("reads the records within a reported size and leaves the file as it is", () => {
    const log = new JsonlLog<{ n: number }>(join(mkdtempSync(join(tmpdir(), "log-")), "a.jsonl"));
    expect(log.size()).toBe(0);
    expect(log.readUpTo(0)).toEqual([]);
    log.append({ n: 1 });
    const cut = log.size();
    log.append({ n: 2 });
    expect(log.readUpTo(cut)).toEqual([{ n: 1 }]);
    expect(log.readUpTo(log.size())).toEqual([{ n: 1 }, { n: 2 }]);
    appendFileSync(log.file, '{"n":');
    const before = readFileSync(log.file, "utf8");
    const warnings: string[] = [];
    expect(log.readUpTo(log.size(), (w) => warnings.push(w))).toEqual([{ n: 1 }, { n: 2 }]);
    expect(warnings).toHaveLength(1);
    expect(readFileSync(log.file, "utf8")).toBe(before);
    expect(() => log.readUpTo(log.size() + 10)).toThrow(/fewer than/);
  });
});
