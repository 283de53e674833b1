import { vi } from "vitest";
import { main } from "./main.node.ts";

/** Runs the recagent command in-process for a test: its exit code, stdout lines and everything it wrote to stderr. */
export async function runCli(...argv: string[]): Promise<{ code: number; out: string[]; err: string }> {
  const out: string[] = [];
  let err = "";
  const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
  try {
    return { code: await main(argv, (line) => out.push(line)), out, err };
  } finally {
    spy.mockRestore();
  }
}
