import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";

// A page that imports one model and one optimizer from the installed package, bundled for the
// browser as a web developer's esbuild would (no Chromium needed). Light by default: at most
// 150 KB minified, the WebAssembly kernels included. Classic zod's `z` brings every locale's messages
// (about 260 KB), so "rnnlab" validates with zod/mini and must not reach classic zod.

const scratch = mkdtempSync(join(tmpdir(), "rnnlab-bundle-"));
mkdirSync(join(scratch, "node_modules"));
symlinkSync(resolve("."), join(scratch, "node_modules", "rnnlab"), "dir");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const pageLimitBytes = 150 * 1024;
// Messages that only classic zod's locales hold: English (which classic installs) and German.
const localeMessages = ["Too small: expected", "Eingabe: erwartet"];

/** `contents` (importing "rnnlab" as an installed package) bundled and minified for a browser. */
async function bundle(contents: string) {
  const result = await build({
    stdin: { contents, resolveDir: scratch },
    bundle: true,
    platform: "browser",
    format: "esm",
    minify: true,
    write: false,
    metafile: true,
    logLevel: "silent",
    outfile: join(scratch, "page.js"),
  });
  return {
    warnings: result.warnings.map((warning) => warning.text),
    text: result.outputFiles[0].text,
    inputs: Object.keys(result.metafile.inputs),
  };
}

describe('import { SequenceModel, createOptimizer } from "rnnlab" in a browser bundle', () => {
  it("bundles with no warnings, from the library's files only, WebAssembly included, in at most 150 KB with no zod locale", async () => {
    const page = await bundle(
      'import { SequenceModel, createOptimizer } from "rnnlab";\nexport const page = [SequenceModel, createOptimizer];\n',
    );
    expect(page.warnings).toEqual([]);
    const library = page.inputs.filter((input) => !input.includes("node_modules/") && input !== "<stdin>");
    expect(library.length).toBeGreaterThan(0);
    expect(library.filter((input) => !input.includes("dist/src/"))).toEqual([]);
    expect(library.some((input) => input.endsWith("dist/src/kernels/gemm-wasm-module.js"))).toBe(true);
    expect(Buffer.byteLength(page.text)).toBeLessThanOrEqual(pageLimitBytes);
    expect(localeMessages.filter((message) => page.text.includes(message))).toEqual([]);
  });

  it("nothing that rnnlab exports imports classic zod", async () => {
    const everything = await bundle('export * from "rnnlab";\n');
    expect(everything.inputs.some((input) => input.includes("node_modules/zod/"))).toBe(true);
    expect(everything.inputs.filter((input) => input.includes("node_modules/zod/v4/classic/"))).toEqual([]);
  });

  // A page's training report, and a Worker validating a training config (parseRunConfig is in no
  // package entry, so its built file is bundled by path): both validate with zod, never classic zod.
  it.each([
    ["rnnlab/report", 'export * from "rnnlab/report";\n'],
    [
      "parseRunConfig",
      `export { parseRunConfig } from ${JSON.stringify(resolve("dist/src/train/run-config.js"))};\n`,
    ],
  ])("%s bundles with zod but no classic zod and no zod locale", async (_name, contents) => {
    const page = await bundle(contents);
    expect(page.warnings).toEqual([]);
    expect(page.inputs.some((input) => input.includes("node_modules/zod/"))).toBe(true);
    expect(page.inputs.filter((input) => input.includes("node_modules/zod/v4/classic/"))).toEqual([]);
    expect(localeMessages.filter((message) => page.text.includes(message))).toEqual([]);
  });

  it("is also prebuilt as dist/browser/rnnlab.js, whose source map leads back to src/", () => {
    const module = readFileSync("dist/browser/rnnlab.js", "utf8");
    expect(module.trimEnd().endsWith("//# sourceMappingURL=rnnlab.js.map")).toBe(true);
    const map = JSON.parse(readFileSync("dist/browser/rnnlab.js.map", "utf8"));
    expect(map.sources).toContain("../../src/model/sequence-model.ts");
  });
});
