import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStore } from "../../node/store/index.js";
import type { MetricRecord } from "../../node/store/types.js";
import { launchChromium, skipBrowserTests } from "./chromium.js";
import { type Lab, openLab } from "./web-lab-session.js";

// The web lab's Runs view (?view=runs) on `rnnlab ui --store` with two trials of one sweep: their
// rows, the sweep's ranking by its metric, both curves overlaid once both are ticked, the tables
// side by side; and the explanation an empty store gets.

const steps = (type: string, key: string, values: number[]): MetricRecord[] =>
  values.map((value, i) => ({ step: (i + 1) * 10, type, values: { [key]: value } }));

/** Two finished trials of sweep "sw1": the older one has the lower (better) valLoss. */
function fillStore(path: string): void {
  const store = RunStore.open(path);
  try {
    store.upsertSweep({ id: "sw1", name: "hidden-grid", spec: {}, metric: "valLoss", goal: "min" });
    const runs: [string, number, number[]][] = [
      ["hidden=16", 16, [3.1, 2.6, 2.4]],
      ["hidden=8", 8, [3.2, 3.0, 2.9]],
    ];
    for (const [name, hidden, losses] of runs) {
      const config = { hidden, lr: 0.01 };
      const id = store.startRun({
        kind: "trial",
        name,
        config,
        sweepId: "sw1",
        trialKey: name.replace("=", ""),
      });
      store.appendMetrics(id, [
        ...steps("train", "loss", losses),
        ...steps("val", "valLoss", losses.slice(1)),
      ]);
      store.finishRun(id, { status: "finished", final: { valLoss: losses.at(-1)! + 0.05 } });
    }
  } finally {
    store.close();
  }
}

/** `rnnlab ui --no-open --port 0 --json --store STORE`, once listening: its URL and process. */
async function serveStore(store: string): Promise<{ url: string; process: ChildProcess }> {
  const args = ["dist/cli/main.js", "ui", "--no-open", "--port", "0", "--json", "--store", store];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  const firstLine = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`rnnlab ui exited with code ${code}`)));
  });
  return { url: (JSON.parse(firstLine) as { url: string }).url, process: child };
}

/** Run in the page: each row's cells' text, for the table rows or side-by-side tables `selector` finds. */
const cellsOf = (page: Page, selector: string) =>
  page
    .locator(selector)
    .evaluateAll((rows) => rows.map((row) => [...row.children].map((cell) => cell.textContent ?? "")));

describe.skipIf(skipBrowserTests())("the Runs view (rnnlab ui --store)", () => {
  const scratch = mkdtempSync(join(tmpdir(), "rnnlab-web-runs-"));
  // One Chromium for two servers: one on a store with two runs, one on a store that does not exist.
  let full: Lab | null = null;
  let empty: Lab | null = null;
  beforeAll(async () => {
    const store = join(scratch, "store.sqlite");
    fillStore(store);
    const [browser, a, b] = await Promise.all([
      launchChromium(),
      serveStore(store),
      serveStore(join(scratch, "none.sqlite")),
    ]);
    full = { ...a, browser };
    empty = { ...b, browser };
  }, 60_000);
  afterAll(async () => {
    await full?.browser.close();
    full?.process.kill("SIGTERM");
    empty?.process.kill("SIGTERM");
    rmSync(scratch, { recursive: true, force: true });
  });

  it("lists both runs; ticking both overlays two curves and tabulates them; no console error", async () => {
    const { page, errors } = await openLab(full!, "?view=runs");
    const rows = page.getByTestId("run-row");
    await expect.poll(() => rows.count()).toBe(2);
    const cells = await cellsOf(page, '[data-testid="run-row"]');
    expect(cells.map((row) => row.slice(1, 6))).toEqual([
      ["finished", "trial", "#2 hidden=8", "sw1", "2.950"],
      ["finished", "trial", "#1 hidden=16", "sw1", "2.450"],
    ]);
    expect(await page.getByTestId("view-runs").getAttribute("aria-current")).toBe("page");

    await page.getByTestId("select-run-1").check();
    await page.getByTestId("select-run-2").check();
    const lines = page.locator('[data-testid="runs-chart"] svg [aria-label=line] path');
    await expect.poll(() => lines.count()).toBe(2);
    expect(await cellsOf(page, '[data-testid="runs-finals"] tbody tr')).toEqual([
      ["valLoss", "2.450", "2.950"],
    ]);
    expect(await cellsOf(page, '[data-testid="runs-config"] tbody tr')).toEqual([["hidden", "16", "8"]]);

    // The validation curve: the same two runs, one line each.
    await page.getByTestId("runs-curve").selectOption({ label: "validation loss" });
    const chart = page.getByTestId("runs-chart");
    await expect.poll(() => chart.textContent()).toContain("validation loss");
    await expect.poll(() => lines.count()).toBe(2);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("picking the sweep lists its trials best first by its metric (valLoss, min)", async () => {
    const { page, errors } = await openLab(full!, "?view=runs");
    await expect.poll(() => page.getByTestId("run-row").count()).toBe(2);
    await expect.poll(() => page.locator('[data-testid="runs-sweep"] option').count()).toBe(2);
    await page.getByTestId("runs-sweep").selectOption("sw1");
    await expect
      .poll(() => page.getByTestId("runs-summary").textContent())
      .toMatch(/^hidden-grid: 2 trials, best first by final valLoss \(min\)/);
    const ids = await page.getByTestId("run-row").evaluateAll((rows) => rows.map((row) => row.dataset.runId));
    expect(ids).toEqual(["1", "2"]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("follows a running run: its row and status update without a click once it finishes", async () => {
    const store = join(scratch, "live.sqlite");
    const db = RunStore.open(store);
    // This process's pid: the run is alive, so the server's markKilled leaves it running.
    const id = db.startRun({ kind: "train", name: "live", config: { hidden: 8 } });
    db.appendMetrics(id, steps("train", "loss", [3.1]));
    db.close();
    const served = await serveStore(store);
    try {
      const { page, errors } = await openLab({ ...served, browser: full!.browser }, "?view=runs");
      const status = async () => (await cellsOf(page, '[data-testid="run-row"]'))[0]?.[1];
      await expect.poll(status).toBe("running");
      expect(await page.getByTestId("runs-summary").textContent()).toMatch(/1 running, updated every 3 s$/);
      const again = RunStore.open(store);
      again.finishRun(id, { status: "finished", final: { valLoss: 2.5 } });
      again.close();
      await expect.poll(status).toBe("finished");
      expect(await page.getByTestId("runs-summary").textContent()).not.toMatch(/running/);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      served.process.kill("SIGTERM");
    }
  });

  it("on a missing store: explains how runs get there (rnnlab train, rnnlab sweep)", async () => {
    const { page, errors } = await openLab(empty!, "?view=runs");
    const explanation = page.getByTestId("runs-empty");
    await explanation.waitFor();
    expect(await explanation.textContent()).toMatch(/rnnlab train.*rnnlab sweep SPEC\.yaml/s);
    expect(await page.getByTestId("run-row").count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
