import { serve } from "@hono/node-server";
import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryIndex } from "../index/memory.ts";
import { fixtureApp } from "./api.fixture.ts";

/** Debian's chromium (apt-get install -y chromium); playwright's own browser downloads are never used. */
const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`\n${"!".repeat(100)}\n!!! SKIPPING the chat page browser test: ${CHROMIUM} is missing. Install it with: apt-get install -y chromium\n${"!".repeat(100)}\n`);
}

describe.skipIf(!hasChromium)("chat page in headless chromium", () => {
  let browser: Browser;
  let server: ReturnType<typeof serve>;
  let origin: string;

  beforeAll(async () => {
    const fx = await fixtureApp({ writable: false, makeIndex: async (d) => new MemoryIndex(d) });
    server = await new Promise((resolve) => {
      const s = serve({ fetch: fx.app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
    });
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it("streams a turn into cards and option buttons, and sends a clicked option as the next message", async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    // The page must work offline: anything it fetches from elsewhere is refused and reported.
    await page.route("**/*", (route) => (route.request().url().startsWith(origin) ? route.continue() : (problems.push(`external request: ${route.request().url()}`), route.abort())));

    await page.goto(`${origin}/`);
    await page.fill("#message", "something like Toy Story");
    await page.press("#message", "Enter");

    const first = page.locator(".turn").nth(0);
    const options = first.locator("button.option");
    await first.locator(".meta").waitFor();
    expect(await first.locator(".card").count()).toBe(10);
    expect(await first.locator(".card h3").first().textContent()).toMatch(/^.+ \(\d{4}\)$/);
    expect(await first.locator(".card .chip").count()).toBeGreaterThan(10);
    expect(await first.locator(".msg .bubble").textContent()).toMatch(/^Looking for: similar to Toy Story\..*What are you in the mood for/);
    expect(await options.allTextContents()).toContain("Comedy");

    await options.filter({ hasText: "Comedy" }).click();
    const second = page.locator(".turn").nth(1);
    await second.locator(".meta").waitFor();
    expect(await page.locator(".msg.user .bubble").allTextContents()).toEqual(["something like Toy Story", "Comedy"]);
    expect(await second.locator(".msg .bubble").textContent()).toMatch(/^Looking for: Comedy, similar to Toy Story\./);
    const genres = await second.locator(".card").evaluateAll((cards) => cards.map((c) => [...c.querySelectorAll(".chip")].map((x) => x.textContent)));
    expect(genres.length).toBeGreaterThan(0);
    expect(genres.every((g) => g.includes("Comedy"))).toBe(true);
    expect(await second.locator("button.option").count()).toBe(0);
    expect(await options.evaluateAll((buttons) => buttons.every((b) => b.hasAttribute("disabled")))).toBe(true);
    expect(problems).toEqual([]);
  });
});
