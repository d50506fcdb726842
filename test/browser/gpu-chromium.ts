import type { Browser } from "playwright-core";
import { launchChromium } from "./chromium.js";
import { type BrowserSession, browserSession } from "./session.js";

// Chromium with WebGPU on SwiftShader (its CPU Vulkan driver, which Debian's chromium package
// ships): --enable-unsafe-webgpu exposes navigator.gpu on Linux, where WebGPU is otherwise off, and
// --use-webgpu-adapter=swiftshader picks that adapter. Without the flags the same Chromium has
// navigator.gpu but finds no adapter, which is the case of a machine with no usable GPU.

export const GPU_FLAGS = ["--enable-unsafe-webgpu", "--use-webgpu-adapter=swiftshader"];

/** Chromium as launchChromium() starts it, plus the WebGPU flags. */
export function launchGpuChromium(): Promise<Browser> {
  return launchChromium(GPU_FLAGS);
}

export type GpuBrowserSession = BrowserSession;

/** browserSession() (test/browser/session.ts) with WebGPU on SwiftShader when `gpu` is true, and
 *  Chromium as it starts by default (navigator.gpu without an adapter) when false. */
export function gpuBrowserSession(gpu: boolean): () => GpuBrowserSession {
  return browserSession(undefined, { launch: gpu ? launchGpuChromium : () => launchChromium() });
}
