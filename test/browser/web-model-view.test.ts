import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LoadedModel } from "../../src/worker/inference.js";
import type { SpanRequest } from "../../src/worker/protocol.js";
import { rnnlab as cli } from "../helpers/cli.js";
import { skipBrowserTests } from "./chromium.js";
import { labSession, openLab, stepOf, text } from "./web-lab-session.js";

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

  /** The model view with the trained checkpoint loaded and the units of its prompt shown. */
  async function unitsShown() {
    const opened = await openLab(lab(), "?view=model");
    const { page } = opened;
    await page.getByTestId("checkpoint-file").setInputFiles(join(scratch, "run", "checkpoint.safetensors"));
    await expect.poll(() => text(page, "model-info")).toMatch(/trained 30 steps$/);
    await page.getByTestId("show-units").click();
    await expect.poll(() => page.getByTestId("span-text").locator("span").count()).toBeGreaterThan(100);
    const prompt = await page.locator("#prompt").inputValue();
    const loaded = LoadedModel.fromBytes(readFileSync(join(scratch, "run", "checkpoint.safetensors")));
    return { ...opened, prompt, loaded };
  }

  it("a span hypothesis lists the units on across it and the corpus places where they fire together", async () => {
    const { page, errors, prompt, loaded } = await unitsShown();
    // A drag over characters 5..9 of the text selects them as the span.
    await page.getByTestId("span-text").scrollIntoViewIfNeeded();
    const [from, to] = [5, 9].map((t) => page.getByTestId("span-text").locator(`[data-t="${t}"]`));
    const a = (await from.boundingBox())!;
    const b = (await to.boundingBox())!;
    await page.mouse.move(a.x + 1, a.y + a.height / 2);
    await page.mouse.down();
    await page.mouse.move(b.x + b.width - 1, b.y + b.height / 2, { steps: 5 });
    await page.mouse.up();
    expect([
      await page.getByTestId("span-start").inputValue(),
      await page.getByTestId("span-end").inputValue(),
    ]).toEqual(["5", "9"]);
    // A span where this model has units that fit, found on the Node side over the same corpus.
    loaded.setCorpus(readFileSync("data/tinyshakespeare.txt", "utf8"));
    let request: SpanRequest | null = null;
    for (let start = 0; start < 60 && request === null; start++) {
      for (const threshold of [0.3, 0.2, 0.1]) {
        const asked = { layer: 0, start, end: start + 1, threshold, margin: 1 };
        const found = loaded.hypothesis(prompt, asked);
        if (found.units.length > 0 && found.matches.length > 0) request = asked;
        if (request) break;
      }
    }
    expect(request).not.toBeNull();
    const { start, end, threshold, margin } = request!;
    const expected = loaded.hypothesis(prompt, request!);
    await page.getByTestId("span-start").fill(String(start));
    await page.getByTestId("span-end").fill(String(end));
    await page.getByTestId("span-threshold").fill(String(threshold));
    await page.getByTestId("span-margin").fill(String(margin));
    await page.getByTestId("find-units").click();
    await expect.poll(() => text(page, "span-units")).toContain(`: ${expected.units.join(", ")}.`);
    expect(await text(page, "span-units")).toMatch(
      /^\d+ unit\(s\) on across ".+" and off around it: .* in the first [\d,]+ characters of the corpus/,
    );
    const matches = page.getByTestId("matches").locator("li");
    expect(await matches.count()).toBe(expected.matches.length);
    expect(await matches.first().locator("mark").textContent()).toBe(
      expected.matches[0].text.replaceAll("\n", "⏎"),
    );
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it("connectivity shades every character up to t by ‖∂L_t/∂x_s‖, as the Node side computes it", async () => {
    const { page, errors, prompt, loaded } = await unitsShown();
    const line = page.getByTestId("connectivity");
    await line.locator('[data-t="40"]').click();
    await expect
      .poll(() => text(page, "connectivity-info"))
      .toMatch(/^L_t: predicting ".+" after ".+" \(t = 40\)/);
    const norms = await line
      .locator("span")
      .evaluateAll((spans) => spans.map((span) => span.getAttribute("data-norm")));
    const shaded = norms.slice(0, 41).map(Number);
    expect(norms.slice(41).every((norm) => norm === null)).toBe(true);
    const expected = loaded.connectivity(prompt, 40).norms;
    shaded.forEach((norm, s) => {
      expect(Number.isFinite(norm) && norm > 0).toBe(true);
      expect(Math.abs(norm - expected[s]) / expected[s]).toBeLessThan(1e-4);
    });
    // The arrow keys move t.
    await line.focus();
    await page.keyboard.press("ArrowRight");
    await expect.poll(() => text(page, "connectivity-info")).toContain("(t = 41)");
    expect(await page.locator('[data-panel="reach"] svg').count()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it("the playground's model opens in the model view and generates text; a task's model does not", async () => {
    const { page, errors } = await openLab(lab(), "?hidden=16&batch=8");
    for (let i = 1; i <= 3; i++) {
      await page.getByTestId("step").click();
      await expect.poll(() => stepOf(page), { timeout: 30_000 }).toBe(i);
    }
    await page.getByTestId("open-model").click();
    await page.waitForURL(/\?view=model&checkpoint=playground$/);
    await expect
      .poll(() => text(page, "model-info"))
      .toMatch(/^the playground's model, stored .+: lstm, 1 × 16 units, .* trained 3 steps$/);
    await page.locator("#length").fill("40");
    await page.getByTestId("generate").click();
    await expect.poll(async () => (await text(page, "generated"))?.length).toBe("ROMEO:".length + 40);
    expect(await page.getByTestId("load-playground").isHidden()).toBe(false);
    await page.goto(`${lab().url}?task=adding`);
    await page.getByTestId("step").click();
    await expect.poll(() => stepOf(page), { timeout: 30_000 }).toBe(1);
    await page.getByTestId("open-model").click();
    await expect
      .poll(() => text(page, "message"))
      .toBe("only a text model opens in the model view: this run learns the adding task");
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

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
