import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rnnlab as cli } from "../helpers/cli.js";
import { launchChromium, skipBrowserTests } from "./chromium.js";

// The web lab as a person uses it: `rnnlab ui --no-open` serves the built app (dist/web), and
// headless Chromium drives it through its data-testid hooks.

interface Lab {
  url: string;
  browser: Browser;
  process: ChildProcess;
}

/** `rnnlab ui --no-open --port 0 --json`, its URL from the first line it prints, and Chromium. */
async function startLab(): Promise<Lab> {
  const child = spawn(process.execPath, ["dist/cli/main.js", "ui", "--no-open", "--port", "0", "--json"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const firstLine = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`rnnlab ui exited with code ${code}`)));
  });
  const { url } = JSON.parse(firstLine) as { url: string };
  return { url, browser: await launchChromium(), process: child };
}

/** The lab for the calling describe block: started before its tests, stopped after them; the
 *  accessor returns it. `prepare` runs first. */
function labSession(prepare: () => void = () => {}): () => Lab {
  let lab: Lab | null = null;
  beforeAll(async () => {
    prepare();
    lab = await startLab();
  }, 60_000);
  afterAll(async () => {
    await lab?.browser.close();
    lab?.process.kill("SIGTERM");
  });
  return () => lab!;
}

/** A page of the lab that records console errors, page errors and long tasks (over 50 ms). */
async function openLab(lab: Lab, query = ""): Promise<{ page: Page; errors: string[] }> {
  const page = await lab.browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  await page.addInitScript(() => {
    const tasks: number[] = [];
    Object.assign(globalThis, { longTasks: tasks });
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) tasks.push(entry.duration);
    }).observe({ type: "longtask" as "mark", buffered: true }); // "longtask" is not in these types
  });
  await page.goto(`${lab.url}${query}`);
  return { page, errors };
}

const text = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`).textContent();
const stepOf = async (page: Page) => Number(await text(page, "step-count"));

describe.skipIf(skipBrowserTests())("the web lab's playground (rnnlab ui)", () => {
  const lab = labSession();

  it("trains a character model in a worker: the step count rises, the loss falls, pause and step obey", async () => {
    const { page, errors } = await openLab(lab(), "?hidden=32&seqLen=16&batch=8");
    await page.getByTestId("step").click();
    await expect.poll(() => stepOf(page), { timeout: 30_000 }).toBe(1);
    const firstLoss = Number(await text(page, "loss"));
    await page.getByTestId("play").click();
    await expect.poll(() => stepOf(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(300);
    expect(Number(await text(page, "loss"))).toBeLessThan(firstLoss - 1);
    await page.getByTestId("pause").click();
    await expect.poll(() => page.getByTestId("step").isEnabled()).toBe(true);
    const paused = await stepOf(page);
    await page.waitForTimeout(300);
    expect(await stepOf(page)).toBe(paused);
    await page.getByTestId("step").click();
    await expect.poll(() => stepOf(page)).toBe(paused + 1);
    expect(await text(page, "run-info")).toMatch(/parameters · vocabulary \d+ · \d thread\(s\) · kernels/);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it("trains the adding problem until the loss falls below the mean predictor's (1/6)", async () => {
    const { page, errors } = await openLab(lab(), "?task=adding&hidden=32&lr=0.01&seqLen=20&batch=32");
    expect(await page.getByTestId("task").inputValue()).toBe("adding");
    await page.getByTestId("play").click();
    // the latest training batch's loss, below a third of the mean predictor's
    const below = async () => Number(await text(page, "loss")) < 1 / 18;
    await expect.poll(below, { timeout: 90_000, interval: 250 }).toBe(true);
    expect(await text(page, "run-info")).toMatch(/parameters · task adding · /);
    expect(await page.locator("figure.fed").isHidden()).toBe(true);
    await page.getByTestId("pause").click();
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it("never blocks the main thread for more than 100 ms during 10 s of training", async () => {
    const { page, errors } = await openLab(lab());
    await page.getByTestId("play").click();
    await expect.poll(() => stepOf(page), { timeout: 30_000 }).toBeGreaterThan(0);
    await page.evaluate(() => (globalThis as unknown as { longTasks: number[] }).longTasks.splice(0));
    await page.waitForTimeout(10_000);
    const longTasks = await page.evaluate(() => (globalThis as unknown as { longTasks: number[] }).longTasks);
    expect(longTasks.filter((duration) => duration > 100)).toEqual([]);
    expect(await stepOf(page)).toBeGreaterThan(20);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it("keeps the setup in the URL: a reload restores it, and a bad value gets a message", async () => {
    const { page, errors } = await openLab(lab());
    await page.getByTestId("cell").selectOption("gru");
    await page.getByTestId("hidden").fill("24");
    await page.getByTestId("hidden").press("Enter");
    await expect.poll(() => new URL(page.url()).search).toBe("?cell=gru&hidden=24");
    await page.reload();
    await expect.poll(() => page.getByTestId("cell").inputValue()).toBe("gru");
    await expect.poll(() => page.getByTestId("hidden").inputValue()).toBe("24");
    await page.goto(`${lab().url}?hidden=abc&cell=gru`);
    await expect
      .poll(() => text(page, "message"))
      .toBe("ignored ?hidden=abc: expected an integer in [1, 512]");
    await expect.poll(() => page.getByTestId("hidden").inputValue()).toBe("64");
    await expect.poll(() => page.getByTestId("cell").inputValue()).toBe("gru");
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});

describe.skipIf(skipBrowserTests())("the web lab's model view (rnnlab ui)", () => {
  let scratch = "";
  const lab = labSession(() => {
    scratch = mkdtempSync(join(tmpdir(), "rnnlab-model-view-"));
    const flags = ["--steps", "30", "--hidden", "32", "--seq-len", "32", "--batch", "8", "--threads", "1"];
    const trained = cli(["train", ...flags, "--out", join(scratch, "run"), "--force"]);
    if (trained.status !== 0) throw new Error(trained.stderr);
  });
  afterAll(() => {
    if (scratch !== "") rmSync(scratch, { recursive: true, force: true });
  });

  it("loads a checkpoint of rnnlab train, generates what rnnlab sample prints, and ranks its units", async () => {
    const checkpoint = join(scratch, "run", "checkpoint.safetensors");
    const { page, errors } = await openLab(lab(), "?view=model");
    await page.getByTestId("checkpoint-file").setInputFiles(checkpoint);
    await expect.poll(() => text(page, "model-info")).toMatch(/lstm, 1 × 32 units, .* trained 30 steps$/);
    await page.getByTestId("generate").click();
    await expect.poll(() => text(page, "generated")).not.toBe("");
    const sampled = cli(["sample", checkpoint, "--prime", "ROMEO:", "--length", "300", "--seed", "1"]);
    expect(`${await text(page, "generated")}\n`).toBe(sampled.stdout);
    await page.getByTestId("show-units").click();
    await expect.poll(() => page.getByTestId("ranking").locator("li").count()).toBe(5);
    expect(await page.getByTestId("ranking").locator("li").first().textContent()).toMatch(
      /^unit \d+: r = -?[\d.]+ with (position in line|inside brackets|inside quotes|space or newline|vowel|capital letter|punctuation)$/,
    );
    await page.getByTestId("units").hover({ position: { x: 40, y: 20 } });
    expect(await text(page, "hover")).toMatch(/^unit \d+ after ".*" \(t = 4\): -?[\d.]+$/);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it("a corrupt file gets one line in the page and nothing in the console", async () => {
    const { page, errors } = await openLab(lab(), "?view=model");
    const bytes = readFileSync(join(scratch, "run", "checkpoint.safetensors")).subarray(0, 500);
    await page
      .getByTestId("checkpoint-file")
      .setInputFiles({ name: "cut.safetensors", mimeType: "application/octet-stream", buffer: bytes });
    await expect.poll(() => text(page, "message")).toMatch(/^cut\.safetensors: .+/);
    expect(await text(page, "message")).not.toContain("\n");
    expect(await page.getByTestId("generate").isDisabled()).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});

describe.skipIf(skipBrowserTests())("the web lab's network view (rnnlab ui)", () => {
  const lab = labSession();

  it("editing Q5b's hidden bias from 3/2 to 1/2 turns its counterexample into correct on every input", async () => {
    const { page, errors } = await openLab(lab(), "?view=network&preset=q5b-seed");
    const options = await page
      .getByTestId("preset")
      .locator("option")
      .evaluateAll((all) => all.map((option) => (option as unknown as { value: string }).value));
    expect(options).toEqual(expect.arrayContaining(["q5b-seed", "q5b-corrected"]));
    await expect.poll(() => text(page, "verdict")).toMatch(/^counterexample: \(0,1\) gives y = 1 /);
    expect(await page.getByTestId("weight-l0-bias-0-0").inputValue()).toBe("1.5");
    await page.getByTestId("weight-l0-bias-0-0").fill("0.5");
    await page.getByTestId("weight-l0-bias-0-0").press("Enter");
    await expect
      .poll(() => text(page, "verdict"))
      .toBe("correct on all 5,460 input sequences up to length 6");
    await page.getByTestId("preset").selectOption("q5b-corrected");
    await expect.poll(() => text(page, "verdict")).toMatch(/^correct on all /);
    expect(new URL(page.url()).search).toBe("?view=network&preset=q5b-corrected");
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
