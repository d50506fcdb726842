import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

// Debian's Chromium, driven by playwright-core (Playwright's own browser download is not used).
// CHROMIUM_PATH names another executable. Without one, a developer's run skips the browser tests
// with one line; a CI run (CI set) fails them, since .ci/run installs Chromium first.

const chromiumPath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const chromiumFound = existsSync(chromiumPath);
const inCi = Boolean(process.env.CI) && process.env.CI !== "false";
const missingChromium = `no Chromium at ${chromiumPath}: apt-get install chromium, or set CHROMIUM_PATH`;

/** Whether to skip the browser tests here: printed once, as one line, when they are skipped. */
export function skipBrowserTests(): boolean {
  const skip = !chromiumFound && !inCi;
  if (skip) process.stderr.write(`browser tests skipped: ${missingChromium} to run them\n`);
  return skip;
}

/** Chromium, with `flags` added to its command line. */
export async function launchChromium(flags: readonly string[] = []): Promise<Browser> {
  if (!chromiumFound) throw new Error(`CI runs the browser tests, but there is ${missingChromium}`);
  // Chromium's sandbox refuses to start as root (containers, CI).
  const args = process.getuid?.() === 0 ? ["--no-sandbox"] : [];
  return chromium.launch({ executablePath: chromiumPath, args: [...args, ...flags] });
}
