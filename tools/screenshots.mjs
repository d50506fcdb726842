// Screenshots of the web lab's views for the README (docs/images/), taken in headless Chromium
// from `rnnlab ui` as a person would see them: `npm run build`, then `npm run screenshots`.
// CHROMIUM_PATH names another Chromium than /usr/bin/chromium.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "docs", "images");

/** Each view: its query, what to do before the shot, and the file. */
const shots = [
  {
    file: "playground.png",
    query: "?cell=lstm&hidden=64",
    async prepare(page) {
      await page.getByTestId("play").click();
      await page.waitForTimeout(12_000);
      await page.getByTestId("pause").click();
      await page.waitForTimeout(1_000);
    },
  },
  {
    file: "lab.png",
    query: "?view=lab",
    async prepare(page) {
      await page
        .getByTestId("lab-progress-label")
        .filter({ hasText: "25 of 25" })
        .waitFor({ timeout: 120_000 });
      await page.getByTestId("claim-Q1.closed-form").locator(".claim-toggle").click();
      await page.waitForTimeout(1_500);
    },
  },
  {
    file: "network.png",
    query: "?view=network&preset=q5b-seed",
    async prepare(page) {
      await page.waitForTimeout(500);
    },
  },
];

/** The model view's span hypothesis on the first word of the prompt whose span some units mark
 *  (a word's characters as the span, θ and the margin as the page sets them). */
async function findSpanWithUnits(page) {
  const prompt = await page.locator("#prompt").inputValue();
  const summary = page.getByTestId("span-units");
  for (const word of prompt.matchAll(/[A-Za-z]{3,}/g)) {
    await page.getByTestId("span-start").fill(String(word.index));
    await page.getByTestId("span-end").fill(String(word.index + word[0].length - 1));
    await page.getByTestId("find-units").click();
    await page.waitForFunction(
      (element) => !element.textContent.startsWith("searching"),
      await summary.elementHandle(),
    );
    if (!(await summary.textContent()).startsWith("no unit")) return;
  }
}

// The model view's checkpoint: a small LSTM trained for a minute by the CLI.
const scratch = mkdtempSync(join(tmpdir(), "rnnlab-screenshots-"));
const checkpoint = join(scratch, "checkpoint.safetensors");
const trainFlags = [
  "--hidden",
  "64",
  "--seq-len",
  "64",
  "--batch",
  "32",
  "--steps",
  "600",
  "--eval-every",
  "600",
];
const trained = spawnSync(
  process.execPath,
  [join(root, "dist/cli/main.js"), "train", ...trainFlags, "--out", scratch, "--force"],
  {
    stdio: ["ignore", "ignore", "inherit"],
  },
);
if (trained.status !== 0) throw new Error("rnnlab train failed");
shots.push({
  file: "model.png",
  query: "?view=model",
  async prepare(page) {
    await page.getByTestId("checkpoint-file").setInputFiles(checkpoint);
    await page.getByTestId("generate").click();
    await page.getByTestId("show-units").click();
    await findSpanWithUnits(page);
    await page.getByTestId("position").fill("70");
    await page.getByTestId("position").press("Enter");
    await page.waitForTimeout(6_000);
  },
  fullPage: true,
});

const ui = spawn(
  process.execPath,
  [join(root, "dist/cli/main.js"), "ui", "--no-open", "--port", "0", "--json"],
  {
    stdio: ["ignore", "pipe", "inherit"],
  },
);
const { url } = JSON.parse(
  await new Promise((resolve) => createInterface({ input: ui.stdout }).once("line", resolve)),
);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
  args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
});
try {
  for (const shot of shots) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${url}${shot.query}`);
    await shot.prepare(page);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(out, shot.file), fullPage: shot.fullPage === true });
    process.stderr.write(`wrote docs/images/${shot.file}\n`);
    await page.close();
  }
} finally {
  await browser.close();
  ui.kill("SIGTERM");
  rmSync(scratch, { recursive: true, force: true });
}
