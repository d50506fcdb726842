import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { rnnlab as cli } from "../helpers/cli.js";
import { skipBrowserTests } from "./chromium.js";
import { labSession, openLab, text } from "./web-lab-session.js";

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
