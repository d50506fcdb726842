import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { skipBrowserTests } from "./chromium.js";
import {
  bundleForWorker,
  type ExampleRun,
  prepareScratch,
  readmeExample,
  runInNode,
} from "../helpers/readme-example.js";
import { browserSession } from "./session.js";

// The README's library example in a page's dedicated module worker in headless Chromium, against the
// same block run by Node: the same printed lines and the same model.ckpt, byte for byte (both run
// the relaxed-SIMD WebAssembly kernels). The page, the worker's script (the example bundled by
// esbuild, readme-example.ts) and the text it reads are served by the browser's routes on the test
// server's origin, under /readme/.

/** What the worker posted, with the files' bytes as arrays (page.evaluate returns JSON). */
interface WorkerRun extends Omit<ExampleRun, "written"> {
  written: Record<string, number[]>;
  kernelPath: unknown;
}

/** The page's script: starts the worker and resolves to what it posts, or rejects with its error. */
const runWorker = `new Promise((resolve, reject) => {
  const worker = new Worker("/readme/worker.js", { type: "module" });
  worker.onerror = (event) => reject(new Error("the README example failed in the worker: " + event.message));
  worker.onmessage = ({ data }) => {
    worker.terminate();
    const written = Object.fromEntries(Object.entries(data.written).map(([p, b]) => [p, Array.from(b)]));
    resolve({ ...data, written });
  };
})`;

describe.skipIf(skipBrowserTests())("the README's library example in a page's Web Worker", () => {
  // Made in setup, not here: a skipped block's body still runs, but its hooks do not.
  let scratch = "";
  const session = browserSession(() => {
    scratch = mkdtempSync(join(tmpdir(), "rnnlab-readme-worker-"));
    prepareScratch(scratch);
    return {};
  });
  afterAll(() => {
    if (scratch !== "") rmSync(scratch, { recursive: true, force: true });
  });

  async function runInWorker(block: string): Promise<{ run: WorkerRun; pageErrors: string[] }> {
    const { browser, server } = session();
    const script = await bundleForWorker(block, scratch);
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.route(`${server.url}/readme/page.html`, (route) =>
      route.fulfill({ contentType: "text/html", body: "<!doctype html><title>README example</title>" }),
    );
    await page.route(`${server.url}/readme/worker.js`, (route) =>
      route.fulfill({ contentType: "text/javascript", body: script }),
    );
    // The example reads "data/tinyshakespeare.txt": relative to the worker's URL.
    await page.route(`${server.url}/readme/data/tinyshakespeare.txt`, (route) =>
      route.fulfill({ contentType: "text/plain; charset=utf-8", path: "data/tinyshakespeare.txt" }),
    );
    await page.goto(`${server.url}/readme/page.html`);
    const run: WorkerRun = await page.evaluate(runWorker);
    await page.close();
    return { run, pageErrors };
  }

  it("prints the lines Node prints and writes the same model.ckpt, byte for byte", async () => {
    const block = readmeExample();
    const node = runInNode(block, scratch);
    const { run, pageErrors } = await runInWorker(block);

    expect(run.kernelPath).toEqual({ gemm: "relaxed", pointwise: "wasm" });
    expect(run.warned).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(node.warned).toEqual([]);
    // Four lines: steps 100, 200 and 300, then the validation loss.
    expect(node.logged).toHaveLength(4);
    expect(run.logged).toEqual(node.logged);
    expect(Object.keys(run.written)).toEqual(["model.ckpt"]);
    const ckpt = Uint8Array.from(run.written["model.ckpt"]);
    expect(ckpt.length).toBe(node.written["model.ckpt"].length);
    // toEqual on two arrays of ~250 KB would print both whole: the first differing byte says enough.
    const differs = ckpt.findIndex((byte, i) => byte !== node.written["model.ckpt"][i]);
    expect(differs, "index of model.ckpt's first byte that differs from Node's").toBe(-1);
  }, 240_000);
});
