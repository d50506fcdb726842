import type { Browser } from "playwright-core";
import { chromium } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { launchChromium } from "./chromium.js";
import { staleBrowserModule, startServer, type TestServer } from "./server.js";

// Chromium with WebGPU on SwiftShader (its CPU Vulkan driver, which Debian's chromium package
// ships): --enable-unsafe-webgpu exposes navigator.gpu on Linux, where WebGPU is otherwise off, and
// --use-webgpu-adapter=swiftshader picks that adapter. Without the flags the same Chromium has
// navigator.gpu but finds no adapter, which is the case of a machine with no usable GPU.

export const GPU_FLAGS = ["--enable-unsafe-webgpu", "--use-webgpu-adapter=swiftshader"];

/** Chromium as launchChromium() starts it, plus the WebGPU flags. */
export function launchGpuChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
  const args = process.getuid?.() === 0 ? ["--no-sandbox"] : [];
  return chromium.launch({ executablePath, args: [...args, ...GPU_FLAGS] });
}

export interface GpuBrowserSession {
  browser: Browser;
  server: TestServer;
}

/** As browserSession() (test/browser/session.ts): the test server and one Chromium for the calling
 *  describe block, with WebGPU on SwiftShader when `gpu` is true; a failed setup fails each test
 *  with its one line. */
export function gpuBrowserSession(gpu: boolean): () => GpuBrowserSession {
  let session: GpuBrowserSession | null = null;
  let setupError: Error | null = null;
  beforeAll(async () => {
    try {
      const stale = staleBrowserModule();
      if (stale !== null) throw new Error(stale);
      const server = await startServer();
      session = { server, browser: gpu ? await launchGpuChromium() : await launchChromium() };
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
    if (session === null) throw new Error("gpuBrowserSession(): its beforeAll has not run");
    return session;
  };
}
