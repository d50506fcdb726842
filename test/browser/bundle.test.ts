import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";

// A page that imports one model and one optimizer from the installed package, bundled for the
// browser as a web developer's esbuild would (no Chromium needed). Its size is pinned by
// test/bundle-size.test.ts.

const scratch = mkdtempSync(join(tmpdir(), "rnnlab-bundle-"));
mkdirSync(join(scratch, "node_modules"));
symlinkSync(resolve("."), join(scratch, "node_modules", "rnnlab"), "dir");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('import { SequenceModel, createOptimizer } from "rnnlab" in a browser bundle', () => {
  it("bundles with no warnings, from the library's files only, the WebAssembly kernels included", async () => {
    const result = await build({
      stdin: {
        contents:
          'import { SequenceModel, createOptimizer } from "rnnlab";\nexport const page = [SequenceModel, createOptimizer];\n',
        resolveDir: scratch,
      },
      bundle: true,
      platform: "browser",
      format: "esm",
      minify: true,
      write: false,
      metafile: true,
      logLevel: "silent",
      outfile: join(scratch, "page.js"),
    });
    expect(result.warnings.map((warning) => warning.text)).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    const library = inputs.filter((input) => !input.includes("node_modules/") && input !== "<stdin>");
    expect(library.length).toBeGreaterThan(0);
    expect(library.filter((input) => !input.includes("dist/src/"))).toEqual([]);
    expect(library.some((input) => input.endsWith("dist/src/kernels/gemm-wasm-module.js"))).toBe(true);
  });

  it("is also prebuilt as dist/browser/rnnlab.js, whose source map leads back to src/", () => {
    const module = readFileSync("dist/browser/rnnlab.js", "utf8");
    expect(module.trimEnd().endsWith("//# sourceMappingURL=rnnlab.js.map")).toBe(true);
    const map = JSON.parse(readFileSync("dist/browser/rnnlab.js.map", "utf8"));
    expect(map.sources).toContain("../../src/model/sequence-model.ts");
  });
});
