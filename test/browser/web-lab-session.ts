import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { launchChromium } from "./chromium.js";

// The web lab as a person uses it: `rnnlab ui --no-open` serves the built app (dist/web), and
// headless Chromium drives it through its data-testid hooks. Each web-*.test.ts file starts its own.

export interface Lab {
  url: string;
  browser: Browser;
  process: ChildProcess;
}

/** `rnnlab ui --no-open --port 0 --json`, its URL from the first line it prints, and Chromium. */
export async function startLab(): Promise<Lab> {
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
export function labSession(prepare: () => void = () => {}): () => Lab {
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

/** How a page is opened: its window size and colour scheme (default 1280×800, light). */
export interface PageLook {
  viewport?: { width: number; height: number };
  colorScheme?: "light" | "dark";
}

/** A page of the lab that records console errors, page errors and long tasks (over 50 ms). */
export async function openLab(
  lab: Lab,
  query = "",
  look: PageLook = {},
): Promise<{ page: Page; errors: string[] }> {
  const page = await lab.browser.newPage({
    viewport: look.viewport ?? { width: 1280, height: 800 },
    colorScheme: look.colorScheme ?? "light",
  });
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

export const text = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`).textContent();
export const stepOf = async (page: Page) => Number(await text(page, "step-count"));
