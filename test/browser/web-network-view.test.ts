import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { skipBrowserTests } from "./chromium.js";
import { labSession, openLab, text } from "./web-lab-session.js";

// The network view: the seed's hand-wired networks unrolled as a graph, edited by hand (in the
// weights table or by clicking the graph), checked after every edit, the state in the URL.

/** Run in the page (a string: the tests compile without the DOM's types). */
const focusedTestId = "document.activeElement?.dataset?.testid ?? null";
const attributes = (page: Page | Locator, selector: string, name: string) =>
  page.locator(selector).evaluateAll((all, n) => all.map((e) => e.getAttribute(n)), name);

describe.skipIf(skipBrowserTests())("the web lab's network view (rnnlab ui)", () => {
  const lab = labSession();

  it("editing Q5b's hidden bias from 3/2 to 1/2 turns its counterexample into correct on every input", async () => {
    const { page, errors } = await openLab(lab(), "?view=network&preset=q5b-seed");
    const options = await page
      .getByTestId("preset")
      .locator("option")
      .evaluateAll((all) => all.map((option) => (option as unknown as { value: string }).value));
    expect(options).toEqual(expect.arrayContaining(["q5b-seed", "q5b-corrected", "q1-seed", "q1-corrected"]));
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

  it("draws a column per time step, edges coloured by their weight's sign, and clicking one edits that weight", async () => {
    const { page, errors } = await openLab(lab(), "?view=network&preset=q5b-seed&input=110010");
    const graph = page.getByTestId("graph");
    // Three steps: the inputs at t = 1..3; the output y also at t = 0 (its initial state).
    expect(await attributes(page, '[data-unit^="m1@"]', "data-unit")).toEqual(["m1@1", "m1@2", "m1@3"]);
    expect(await attributes(page, '[data-unit^="y@"]', "data-unit")).toEqual(["y@0", "y@1", "y@2", "y@3"]);
    // W[0][0] = −1 (m1 → h1) is negative at every step, W[1][0] = 1 (m1 → h2) positive; zeros are not drawn.
    expect(await attributes(graph, '[data-weight="l0-input-0-0"]', "data-sign")).toEqual(
      Array(3).fill("negative"),
    );
    expect(await graph.locator('[data-weight="l0-input-0-0"].negative').count()).toBe(3);
    expect(await attributes(graph, '[data-weight="l0-input-1-0"]', "data-sign")).toEqual(
      Array(3).fill("positive"),
    );
    expect(await graph.locator('[data-weight^="l0-recurrent-"]').count()).toBe(0);
    expect(await graph.locator('[data-weight="l1-recurrent-0-0"]').count()).toBe(3);
    expect(await graph.locator('[data-weight="l0-input-0-0"] title').first().textContent()).toMatch(
      /^layer 0 W_ih\[0,0\] = −1: m1 → h1/,
    );

    // m1 → h2 crosses m2 → h1 at its middle, where Playwright clicks, and is drawn over it.
    await graph.locator('[data-weight="l0-input-1-0"]').first().click();
    expect(await page.evaluate(focusedTestId)).toBe("weight-l0-input-1-0");
    await page.keyboard.type("-2");
    await expect
      .poll(() => attributes(graph, '[data-weight="l0-input-1-0"]', "data-sign"))
      .toEqual(Array(3).fill("negative"));
    await graph.locator('[data-unit="h2@2"]').click();
    expect(await page.evaluate(focusedTestId)).toBe("weight-l0-bias-1-0");
    expect(await graph.locator('[data-unit="h2@2"] title').textContent()).toMatch(
      /^h2 at t=2 = 0 \(pre-activation −1\.5\)/,
    );
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it("checks Q1 numerically: the seed's closed form fails at x = 1, shown in the graph; the corrected one holds", async () => {
    const { page, errors } = await openLab(lab(), "?view=network&preset=q1-seed");
    await expect.poll(() => text(page, "verdict")).toMatch(/^counterexample: 1 gives h1 = 1, where hT=/);
    expect(await page.getByTestId("verdict").locator("math").count()).toBe(2);
    expect(await page.getByTestId("sequence").inputValue()).toBe("1201");
    await page.getByTestId("show-counterexample").click();
    expect(await page.getByTestId("sequence").inputValue()).toBe("1");
    expect(await attributes(page, ".unit.wrong", "data-unit")).toEqual(["h@1", "y@1"]);
    expect(new URL(page.url()).search).toBe("?view=network&preset=q1-seed&input=1");
    await page.getByTestId("preset").selectOption("q1-corrected");
    await expect
      .poll(() => text(page, "verdict"))
      .toMatch(/^correct on all 5,460 digit sequences \(digits 0–3\) up to length 6/);
    expect(await page.getByTestId("show-counterexample").isHidden()).toBe(true);
    await page.getByTestId("sequence").fill("12a");
    expect(await text(page, "sequence-problem")).toBe("type digits 0–9, one a step: 1201");
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it("keeps edits and the input sequence in the URL, so a reload restores them", async () => {
    const { page, errors } = await openLab(lab(), "?view=network&preset=q5b-seed");
    await page.getByTestId("weight-l0-bias-0-0").fill("0.5");
    await page.getByTestId("sequence").fill("01 10");
    await page.getByTestId("max-length").fill("5");
    await page.getByTestId("max-length").press("Enter");
    expect(new URL(page.url()).search).toBe("?view=network&preset=q5b-seed&w=l0-bias-0-0:0.5&input=0110&n=5");
    await page.reload();
    await expect
      .poll(() => text(page, "verdict"))
      .toBe("correct on all 1,364 input sequences up to length 5");
    expect(await page.getByTestId("weight-l0-bias-0-0").inputValue()).toBe("0.5");
    expect(await page.getByTestId("sequence").inputValue()).toBe("01 10");
    expect(await page.locator('[data-unit^="m1@"]').count()).toBe(2);
    expect(await text(page, "network-message")).toBe("");
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it("says what is wrong with a malformed URL and falls back to the preset, with no console error", async () => {
    const { page, errors } = await openLab(
      lab(),
      "?view=network&preset=q5b-seed&w=l0-bias-9-0:1&input=2&n=x",
    );
    await expect.poll(() => text(page, "verdict")).toMatch(/^counterexample: \(0,1\) gives y = 1 /);
    const message = await text(page, "network-message");
    expect(message).toContain("w: Q5b (seed) has no weight l0-bias-9-0; showing the preset's weights");
    expect(message).toContain("input: type pairs of bits");
    expect(message).toContain('n: expected an integer from 1 to 8, not "x"');
    expect(await page.getByTestId("weight-l0-bias-0-0").inputValue()).toBe("1.5");
    expect(await page.getByTestId("sequence").inputValue()).toBe("11 00 10");
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it("reaches every weight input by Tab", async () => {
    const { page, errors } = await openLab(lab(), "?view=network&preset=q5b-seed");
    const weights = await attributes(page, '[data-testid^="weight-"]', "data-testid");
    expect(weights).toHaveLength(4 + 4 + 2 + 2 + 2 + 1 + 1 + 1);
    const reached = new Set<string>();
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press("Tab");
      const id = await page.evaluate<string | null>(focusedTestId);
      if (id) reached.add(id);
    }
    expect(weights.filter((id) => !reached.has(id!))).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
