import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { CLAIM_IDS } from "../../lab/claims.js";
import { rnnlab } from "../helpers/cli.js";
import { skipBrowserTests } from "./chromium.js";
import { labSession, openLab, text } from "./web-lab-session.js";

// The Lab view: the 25 claims run one after the other in a worker as the view opens, reaching the
// verdicts of `rnnlab lab --quick` (the same seed); a claim's Run button computes it again.

const out = mkdtempSync(join(tmpdir(), "rnnlab-web-lab-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

let cliVerdicts: Record<string, string> | null = null;
/** The verdicts of `rnnlab lab --quick --json`, computed once for both tests. */
function verdictsOfCli(): Record<string, string> {
  if (cliVerdicts === null) {
    const result = rnnlab(["lab", "--quick", "--json", "--out", out]);
    expect(result.status, result.stderr).toBe(0);
    const claims = JSON.parse(result.stdout) as { id: string; verdict: string }[];
    cliVerdicts = Object.fromEntries(claims.map((c) => [c.id, c.verdict]));
  }
  return cliVerdicts;
}

const rowIds = (page: Page) =>
  page
    .locator('[data-testid^="claim-Q"]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-testid")));
const verdictOf = (page: Page, id: string) =>
  page.getByTestId(`claim-${id}`).getByTestId("claim-verdict").textContent();

/** Records the page's long tasks from now on (the lab's run, not the page's start-up) in `runTasks`. */
const watchLongTasks = (page: Page) =>
  page.evaluate(() => {
    const tasks: number[] = [];
    Object.assign(globalThis, { runTasks: tasks });
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) tasks.push(entry.duration);
    }).observe({ type: "longtask" as "mark" }); // "longtask" is not in these types
  });
const longestTask = (page: Page) =>
  page.evaluate(() => Math.max(0, ...(globalThis as unknown as { runTasks: number[] }).runTasks));

describe.skipIf(skipBrowserTests())("the web lab's Lab view (rnnlab ui)", () => {
  const lab = labSession();

  it("lists the 25 claims by question and runs each in a worker to the verdict of rnnlab lab --quick", async () => {
    const { page, errors } = await openLab(lab(), "?view=lab");
    await expect.poll(() => rowIds(page)).toEqual(CLAIM_IDS.map((id) => `claim-${id}`));
    await watchLongTasks(page);
    expect(await page.locator(".lab-question h2").allTextContents()).toEqual([
      "Q1 — a linear recurrence",
      "Q2 — one-hot word vectors versus dense embeddings",
      "Q3 — gradients through time in a sigmoid RNN",
      "Q4 — training sequence generators",
      "Q5 — recurrent networks designed by hand",
    ]);
    await expect
      .poll(() => text(page, "lab-progress-label"), { timeout: 150_000, interval: 500 })
      .toBe("25 of 25 claims");
    const bar = page.getByRole("progressbar", { name: "25 of 25 claims" });
    expect(await bar.evaluate((p) => [p.getAttribute("value"), p.getAttribute("max")])).toEqual(["25", "25"]);
    const shown: Record<string, string | null> = {};
    for (const id of CLAIM_IDS) shown[id] = await verdictOf(page, id);
    expect(shown).toEqual(verdictsOfCli());
    expect(await text(page, "message")).toBe("");
    expect(await longestTask(page)).toBeLessThanOrEqual(100);
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);

  it("reruns one claim with its progress shown, and its details draw the report's figures", async () => {
    const id = "Q5b.output"; // four figures, about 2 s from scratch
    const { page, errors } = await openLab(lab(), "?view=lab");
    const row = page.getByTestId(`claim-${id}`);
    await row.getByTestId("claim-run").click(); // it goes next, after the claim the queue is running
    await expect.poll(() => verdictOf(page, id), { timeout: 60_000, interval: 20 }).toBe("running");
    await watchLongTasks(page);
    await expect.poll(() => row.getByTestId("claim-progress").textContent(), { interval: 20 }).toMatch(/\S/);
    expect(await row.getByRole("progressbar").isVisible()).toBe(true);
    await expect.poll(() => verdictOf(page, id), { timeout: 60_000 }).toBe(verdictsOfCli()[id]);
    expect(await row.getByRole("progressbar").isVisible()).toBe(false);

    const toggle = row.locator(".claim-toggle");
    await toggle.focus();
    await page.keyboard.press("Enter");
    expect(await toggle.getAttribute("aria-expanded")).toBe("true");
    const details = row.locator(".claim-details");
    expect(await details.textContent()).toContain("Evidence.");
    await expect
      .poll(() => details.locator(".lab-figure .plot svg").count(), { timeout: 20_000 })
      .toBeGreaterThan(0);
    await expect.poll(() => details.locator(".plot-pending").count(), { timeout: 20_000 }).toBe(0);
    expect(await details.locator(".plot-error").count()).toBe(0);
    await page.keyboard.press("Enter");
    expect(await details.isHidden()).toBe(true);
    expect(await longestTask(page)).toBeLessThanOrEqual(100);
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  it("shows a claim that throws as one line in its row and the page, never as a console error", async () => {
    const { page, errors } = await openLab(lab(), "?view=lab");
    // Without the bundled text, ctx.corpus() throws in the claims that read it (Q2.growth, Q4.*).
    await page.context().route("**/data/tinyshakespeare.txt", (route) => route.fulfill({ status: 404 }));
    await page.reload();
    const row = page.getByTestId("claim-Q2.growth");
    await expect.poll(() => verdictOf(page, "Q2.growth"), { timeout: 60_000 }).toBe("error");
    expect(await row.getByTestId("claim-error").textContent()).toBe(
      "could not load the bundled text (HTTP 404)",
    );
    expect(await text(page, "message")).toMatch(/^(Q2\.growth failed: |\d+ claims failed \(Q2\.growth)/);
    expect(await verdictOf(page, "Q2.dimension")).toBe(verdictsOfCli()["Q2.dimension"]); // it reads no text
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
