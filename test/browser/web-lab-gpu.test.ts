import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { skipBrowserTests } from "./chromium.js";
import { launchGpuChromium } from "./gpu-chromium.js";
import { type Lab, openLab, startLab, stepOf, text } from "./web-lab-session.js";

// The playground's device choice: offered where the browser has navigator.gpu, "CPU" by default;
// "GPU (WebGPU)" runs the steps on WebGPU (SwiftShader here) and the run's status says so.

describe.skipIf(skipBrowserTests())(
  "the playground's device choice (rnnlab ui, WebGPU on SwiftShader)",
  () => {
    let lab: Lab | null = null;
    beforeAll(async () => {
      const started = await startLab();
      await started.browser.close();
      lab = { ...started, browser: await launchGpuChromium() };
    }, 60_000);
    afterAll(async () => {
      await lab?.browser.close();
      lab?.process.kill("SIGTERM");
    });

    it("offers CPU and GPU (WebGPU), CPU first; on the GPU a step runs and the status names the adapter", async () => {
      const { page, errors } = await openLab(lab!, "?cell=rnn&hidden=8&embedding=4&seqLen=8&batch=4");
      const device = page.getByTestId("device");
      expect(await device.isVisible()).toBe(true);
      expect(await device.inputValue()).toBe("cpu");
      expect(await device.locator("option").allTextContents()).toEqual(["CPU", "GPU (WebGPU)"]);
      await device.selectOption("webgpu");
      expect(page.url()).toContain("device=webgpu");
      await page.getByTestId("step").click();
      await expect.poll(() => stepOf(page), { timeout: 60_000 }).toBe(1);
      expect(await text(page, "run-info")).toMatch(
        /parameters · vocabulary \d+ · GPU: WebGPU \(.*swiftshader.*\)$/,
      );
      // A vanilla RNN's bound needs ‖W_hh‖₂ after each GPU step: its figure is drawn.
      await expect.poll(() => text(page, "bound"), { timeout: 30_000 }).toMatch(/‖W‖₂ = \d/);
      expect(errors).toEqual([]);
      await page.close();
    }, 120_000);

    it("hides the choice in a browser without navigator.gpu", async () => {
      const page = await lab!.browser.newPage();
      await page.addInitScript(() => {
        const scope = globalThis as unknown as { Navigator: { prototype: { gpu?: unknown } } };
        delete scope.Navigator.prototype.gpu;
      });
      await page.goto(`${lab!.url}?hidden=8`);
      await expect.poll(() => page.getByTestId("cell").isVisible()).toBe(true);
      expect(await page.getByTestId("device").isHidden()).toBe(true);
      await page.close();
    }, 60_000);
  },
);
