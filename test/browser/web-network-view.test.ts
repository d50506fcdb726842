import { describe, expect, it } from "vitest";
import { skipBrowserTests } from "./chromium.js";
import { labSession, openLab, text } from "./web-lab-session.js";

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
