import { describe, expect, it } from "vitest";
import { skipBrowserTests } from "./chromium.js";
import { labSession, openLab, type PageLook } from "./web-lab-session.js";

// What every view of the web lab owes a person, whatever it shows: no console error or warning, a
// label on every control, every control reachable by keyboard, and nothing wider than the window at
// 1280×800 and 1920×1080, in light and dark colour schemes.

const VIEWS = ["playground", "network", "lab", "model", "runs"] as const;
const LOOKS: (PageLook & { name: string })[] = [
  { name: "1280×800 light", viewport: { width: 1280, height: 800 }, colorScheme: "light" },
  { name: "1920×1080 dark", viewport: { width: 1920, height: 1080 }, colorScheme: "dark" },
];

/** Run in the page (a string: the tests compile without the DOM's types): how many controls it shows,
 *  and those without an accessible name or out of the tab order. */
const CONTROL_PROBLEMS = `(() => {
  const problems = [];
  let controls = 0;
  for (const control of document.querySelectorAll("input, select, textarea, button")) {
    if (control.closest("[hidden]") !== null || control.type === "hidden") continue;
    controls++;
    const what = control.tagName.toLowerCase() + (control.id ? "#" + control.id : "") +
      (control.dataset.testid ? "[" + control.dataset.testid + "]" : "");
    const labelled = (control.labels?.length ?? 0) > 0 ||
      (control.getAttribute("aria-label") ?? "").trim() !== "" ||
      control.getAttribute("aria-labelledby") !== null ||
      (control.tagName === "BUTTON" && (control.textContent ?? "").trim() !== "");
    if (!labelled) problems.push(what + " has no label");
    if (control.tabIndex < 0) problems.push(what + " cannot be reached by Tab");
  }
  return { controls, problems };
})()`;

const WIDTHS = "({ page: document.documentElement.scrollWidth, window: window.innerWidth })";

describe.skipIf(skipBrowserTests())("every view of the web lab (rnnlab ui)", () => {
  const lab = labSession();

  for (const look of LOOKS) {
    it(`at ${look.name}: no console error, every control labelled and reachable, nothing wider than the window`, async () => {
      for (const view of VIEWS) {
        const { page, errors } = await openLab(lab(), `?view=${view}`, look);
        await page.getByTestId(`view-${view}`).waitFor();
        await page.waitForTimeout(1_500);
        expect(await page.getByTestId(`view-${view}`).getAttribute("aria-current"), view).toBe("page");
        const { controls, problems } = await page.evaluate<{ controls: number; problems: string[] }>(
          CONTROL_PROBLEMS,
        );
        expect(controls, view).toBeGreaterThan(1);
        expect(problems, view).toEqual([]);
        const widths = await page.evaluate<{ page: number; window: number }>(WIDTHS);
        expect(widths.page, `${view} is wider than the window`).toBeLessThanOrEqual(widths.window);
        expect(errors, view).toEqual([]);
        await page.close();
      }
    }, 120_000);
  }
});
