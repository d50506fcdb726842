import type { Browser } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { launchChromium } from "./chromium.js";
import { staleBrowserModule, startServer, type TestServer } from "./server.js";

export interface BrowserSession {
  browser: Browser;
  server: TestServer;
}

/** Starts the test server and Chromium once for the calling describe block, closes them after it,
 *  and returns the accessor its tests call. `prepare` runs first and names extra files to serve. A
 *  failed setup (no Chromium in CI, a stale bundle, a failed `prepare`) fails each test with its one
 *  line, rather than the block with a stack. `isolated` serves every file cross-origin isolated;
 *  `launch` starts another Chromium (one with WebGPU flags). */
export function browserSession(
  prepare: () => Record<string, string> = () => ({}),
  options: { isolated?: boolean; launch?: () => Promise<Browser> } = {},
): () => BrowserSession {
  let session: BrowserSession | null = null;
  let setupError: Error | null = null;
  beforeAll(async () => {
    try {
      const stale = staleBrowserModule();
      if (stale !== null) throw new Error(stale);
      const server = await startServer(prepare(), { isolated: options.isolated });
      session = { server, browser: await (options.launch ?? launchChromium)() };
    } catch (error) {
      setupError = error instanceof Error ? error : new Error(String(error));
    }
  }, 30_000);
  afterAll(async () => {
    await session?.browser.close();
    await session?.server.close();
  });
  return () => {
    if (setupError !== null) throw setupError;
    if (session === null) throw new Error("browserSession(): its beforeAll has not run");
    return session;
  };
}
