import { describe, expect, it } from "vitest";
import { skipBrowserTests } from "./chromium.js";
import { browserSession } from "./session.js";

// The WebAssembly kernels of dist/browser/rnnlab.js on a page's main thread in headless Chromium:
// ready() before the first product, kernelPath() after, and the TypeScript fallback (with its one
// warning) where the page has no WebAssembly. Each page is empty (served by the browser's route for
// /kernels.html on the test server's origin) and imports the module itself, so nothing has loaded
// the kernels before the script under test.

interface PageRun {
  ready: unknown;
  path: unknown;
  /** max |matmul − matmulReference| over a 64×64×64 product */
  productError: number;
  warnings: string[];
  /** Uncaught exceptions and console errors in the page. */
  pageErrors: string[];
}

/** The page's script: `setup`, then the module, ready(), one product and kernelPath(). */
const script = (setup: string) => `(async () => {
  ${setup}
  const rnnlab = await import("./rnnlab.js");
  const ready = await rnnlab.ready();
  const a = Float32Array.from({ length: 64 * 64 }, (_, i) => Math.sin(i));
  const b = Float32Array.from({ length: 64 * 64 }, (_, i) => Math.cos(3 * i));
  const product = new Float32Array(64 * 64);
  const reference = new Float32Array(64 * 64);
  rnnlab.matmul(product, a, b, 64, 64, 64);
  rnnlab.matmulReference(reference, a, b, 64, 64, 64);
  const productError = Math.max(...product.map((v, i) => Math.abs(v - reference[i])));
  return { ready, path: rnnlab.kernelPath(), productError };
})()`;

describe.skipIf(skipBrowserTests())("the WebAssembly kernels in Chromium, from a page's main thread", () => {
  const session = browserSession();

  async function runPage(setup: string): Promise<PageRun> {
    const { browser, server } = session();
    const page = await browser.newPage();
    const warnings: string[] = [];
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "warning") warnings.push(message.text());
      if (message.type() === "error") pageErrors.push(message.text());
    });
    await page.route(`${server.url}/kernels.html`, (route) =>
      route.fulfill({ contentType: "text/html", body: "<!doctype html><title>kernels</title>" }),
    );
    await page.goto(`${server.url}/kernels.html`);
    const shown: Omit<PageRun, "warnings" | "pageErrors"> = await page.evaluate(script(setup));
    await page.close();
    return { ...shown, warnings, pageErrors };
  }

  it("ready() resolves to the relaxed-SIMD WebAssembly build for products and pointwise kernels", async () => {
    const run = await runPage("");
    expect(run.ready).toEqual({ gemm: "relaxed", pointwise: "wasm" });
    expect(run.path).toEqual(run.ready);
    // float32 sums over K = 64: well within 64 float32 roundings of values up to 64 in size
    expect(run.productError).toBeLessThan(1e-3);
    expect(run.warnings).toEqual([]);
    expect(run.pageErrors).toEqual([]);
  });

  it("without WebAssembly: the TypeScript path, a correct product, and one warning line", async () => {
    const run = await runPage("delete globalThis.WebAssembly;");
    const typescriptPath = { gemm: "typescript", pointwise: "typescript" };
    expect(run.ready).toEqual(typescriptPath);
    expect(run.path).toEqual(typescriptPath);
    expect(run.productError).toBeLessThan(1e-3);
    expect(run.warnings).toEqual([
      "rnnlab: the WebAssembly kernels did not load (this runtime has no WebAssembly); running the TypeScript kernels",
    ]);
    expect(run.pageErrors).toEqual([]);
  });
});
