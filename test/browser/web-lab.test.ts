import { describe, expect, it } from "vitest";
import { skipBrowserTests } from "./chromium.js";
import { labSession, openLab, stepOf, text } from "./web-lab-session.js";

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

  it("draws a vanilla RNN's ‖dL/dh_t‖ against its bound (γ‖W‖₂)^k, and says an LSTM has none", async () => {
    const { page, errors } = await openLab(lab(), "?task=adding&cell=rnn&hidden=8&seqLen=10&batch=8");
    const bound = page.getByTestId("bound");
    expect(await bound.isHidden()).toBe(true);
    await page.getByTestId("step").click();
    await expect.poll(() => bound.textContent(), { timeout: 30_000 }).toMatch(/γ = 1 .*‖W‖₂ = \d/);
    // Both series in the legend, and drawn: a bound line and a measured line.
    expect(await bound.textContent()).toContain("bound (γ‖W‖₂)^k, γ‖W‖₂ = ");
    await expect.poll(() => bound.locator("svg [aria-label=line] path").count()).toBe(2);
    await page.getByTestId("cell").selectOption("lstm");
    await page.getByTestId("step").click();
    await expect.poll(() => bound.isHidden(), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => page.locator('[data-panel="flow"]').textContent()).toContain("vanilla RNN only");
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

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
