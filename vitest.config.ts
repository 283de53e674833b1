import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Two projects, one `vitest run`: everything in Node, and the *.worker.test.ts files inside workerd.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    projects: [
      {
        test: {
          name: "node",
          include: ["src/**/*.test.ts"],
          exclude: ["src/**/*.worker.test.ts"],
          testTimeout: 60_000,
        },
      },
      {
        plugins: [
          cloudflareTest({
            main: "./src/entry/worker.ts",
            miniflare: {
              compatibilityDate: "2026-05-01",
              compatibilityFlags: ["nodejs_compat"],
              // The write log, as wrangler.toml declares it (SQLite-backed).
              durableObjects: { WRITE_LOG: { className: "WriteLog", useSQLite: true } },
            },
          }),
        ],
        test: {
          name: "workerd",
          include: ["src/**/*.worker.test.ts"],
          testTimeout: 60_000,
        },
      },
    ],
  },
});
