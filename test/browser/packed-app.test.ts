import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { installPacked } from "../helpers/packed.js";
import { skipBrowserTests } from "./chromium.js";
import { browserSession } from "./session.js";

// The acceptance of the browser package: a web developer's Vite app that installs the packed
// package (npm pack) and trains a character LSTM in a Worker, with the README's two files as they
// stand ("## In the browser": train-worker.js and main.js), built by Vite and served cross-origin
// isolated to headless Chromium.

/** The README's ```js blocks under "## In the browser", by the file name in their first line. */
function readmeFiles(): Record<string, string> {
  const section = readFileSync("README.md", "utf8").match(/## In the browser\n([\s\S]*?)\n## /)?.[1] ?? "";
  const blocks = [...section.matchAll(/```js\n\/\/ ([\w.-]+)\n([\s\S]*?)```/g)];
  return Object.fromEntries(blocks.map(([, name, code]) => [name, code]));
}

/** A folder's files by URL path ("/index.html" → its path), for the test server. */
function served(dir: string): Record<string, string> {
  const files = readdirSync(dir, { recursive: true, encoding: "utf8" });
  return Object.fromEntries(files.map((file) => [`/${relative(dir, join(dir, file))}`, join(dir, file)]));
}

describe.skipIf(skipBrowserTests())("a Vite app with the packed package, training in a Worker", () => {
  let scratch = "";
  let buildOutput = "";
  const session = browserSession(
    () => {
      scratch = mkdtempSync(join(tmpdir(), "rnnlab-app-"));
      const app = join(scratch, "app");
      mkdirSync(join(app, "public"), { recursive: true });
      installPacked(app);
      for (const [name, code] of Object.entries(readmeFiles())) writeFileSync(join(app, name), code);
      writeFileSync(
        join(app, "index.html"),
        '<!doctype html>\n<link rel="icon" href="data:," />\n<script type="module" src="./main.js"></script>\n',
      );
      copyFileSync("data/tinyshakespeare.txt", join(app, "public", "tinyshakespeare.txt"));
      const vite = join(process.cwd(), "node_modules/vite/bin/vite.js");
      const result = spawnSync(process.execPath, [vite, "build", "--logLevel", "warn"], {
        cwd: app,
        encoding: "utf8",
      });
      if (result.status !== 0) throw new Error(`vite build failed: ${result.stderr.trim()}`);
      buildOutput = `${result.stdout}${result.stderr}`.trim();
      const files = served(join(app, "dist"));
      return { ...files, "/": files["/index.html"] };
    },
    { isolated: true },
  );
  afterAll(() => {
    if (scratch !== "") rmSync(scratch, { recursive: true, force: true });
  });

  it("the README has both files", () => {
    expect(Object.keys(readmeFiles()).sort()).toEqual(["main.js", "train-worker.js"]);
  });

  it("builds with no warning, and trains in headless Chromium: the loss falls, a checkpoint comes back", async () => {
    const { browser, server } = session();
    // --logLevel warn: Vite prints nothing but warnings and errors.
    expect(buildOutput).toBe("");
    const page = await browser.newPage();
    const lines: string[] = [];
    const errors: string[] = [];
    page.on("console", (message) => (message.type() === "log" ? lines : errors).push(message.text()));
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${server.url}/`);
    await expect
      .poll(() => lines.some((line) => line.startsWith("val loss")) || errors.length > 0, {
        timeout: 180_000,
        interval: 500,
      })
      .toBe(true);
    expect(errors).toEqual([]);
    // "auto" threads on a cross-origin isolated page: one per core, at least 8 of the 32 rows each.
    const threads = Math.min(
      4,
      await page.evaluate(
        () =>
          (globalThis as unknown as { navigator: { hardwareConcurrency: number } }).navigator
            .hardwareConcurrency,
      ),
    );
    expect(lines.filter((line) => line.endsWith(` parameters on ${threads} thread(s)`))).toHaveLength(1);
    const steps = lines
      .filter((line) => /^\d+ [\d.]+ [\d.]+$/.test(line))
      .map((line) => line.split(" ").map(Number));
    expect(steps.map(([step]) => step)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const [first, last] = [steps[0][1], steps[199][1]];
    expect(last).toBeLessThan(first - 1);
    const [, valLoss, bytes] = lines.at(-1)?.match(/^val loss ([\d.]+); checkpoint (\d+) bytes$/) ?? [];
    expect(Number(valLoss)).toBeLessThan(first);
    expect(Number(bytes)).toBeGreaterThan(100_000);
    await page.close();
  }, 240_000);
});
