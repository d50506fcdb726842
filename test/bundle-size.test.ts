import { resolve } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

// Issue 11's "light by default": a page that imports one model and one optimizer bundles to at most
// 150 KB minified, the WebAssembly kernels included. Classic zod's `z` brings every locale's
// messages (about 260 KB), so "rnnlab" validates with zod/mini and must not reach classic zod.

const root = resolve(".");
const pageLimitBytes = 150 * 1024;
// Messages that only classic zod's locales hold: English (which classic installs) and German.
const localeMessages = ["Too small: expected", "Eingabe: erwartet"];

async function bundle(contents: string) {
  const result = await build({
    stdin: { contents, resolveDir: root, sourcefile: "page.ts", loader: "ts" },
    bundle: true,
    platform: "browser",
    format: "esm",
    minify: true,
    write: false,
    metafile: true,
    logLevel: "silent",
    outfile: "page.js",
  });
  return { text: result.outputFiles[0].text, inputs: Object.keys(result.metafile.inputs) };
}

describe("the weight of rnnlab in a page's bundle", () => {
  it("a page importing SequenceModel and createOptimizer is at most 150 KB minified, with no zod locale", async () => {
    const page = await bundle(
      `import { SequenceModel, createOptimizer } from "${root}/src/index.ts";\n` +
        "export const page = [SequenceModel, createOptimizer];\n",
    );
    expect(page.inputs.some((input) => input.endsWith("src/kernels/gemm-wasm-module.ts"))).toBe(true);
    expect(Buffer.byteLength(page.text)).toBeLessThanOrEqual(pageLimitBytes);
    expect(localeMessages.filter((message) => page.text.includes(message))).toEqual([]);
  });

  it("nothing that rnnlab exports imports classic zod", async () => {
    const everything = await bundle(`export * from "${root}/src/index.ts";\n`);
    expect(everything.inputs.some((input) => input.includes("node_modules/zod/"))).toBe(true);
    expect(everything.inputs.filter((input) => input.includes("node_modules/zod/v4/classic/"))).toEqual([]);
  });
});
