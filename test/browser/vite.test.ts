import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { build, createLogger } from "vite";
import { afterAll, describe, expect, it, vi } from "vitest";

// A web developer's Vite app that imports the installed package: Vite resolves "rnnlab" for the
// browser, so it must take the exports map's "default" (dist/src/index.js), never "node"
// (dist/node/main.js, which turns on V8's relaxed SIMD flag through node:v8). Vite reports a Node
// built-in reached from the browser graph as a warning ("… has been externalized for browser
// compatibility"), so no warning at all is the check. Vite reports it only when NODE_ENV is
// "production", as `vite build` sets it; vitest sets "test", hence the stub.

const repo = resolve(".");
const scratch = mkdtempSync(join(tmpdir(), "rnnlab-vite-"));
mkdirSync(join(scratch, "node_modules"));
symlinkSync(repo, join(scratch, "node_modules", "rnnlab"), "dir");
afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(scratch, { recursive: true, force: true });
});

const page = '<!doctype html>\n<script type="module" src="./main.js"></script>\n';
// Uses all three imports, so that none is tree-shaken away.
const main = `import { SequenceModel, createOptimizer, Trainer } from "rnnlab";
const input = { kind: "embedding", vocabSize: 4, embeddingSize: 4 };
const model = new SequenceModel({ cell: "gru", hiddenSize: 8, input }, { seed: 1 });
const optimizer = createOptimizer({ name: "adam", lr: 1e-2 }, model);
const data = Int32Array.from({ length: 64 }, (_, i) => i % 4);
const trainer = new Trainer({ model, optimizer, data, seqLen: 4, batch: 2, seed: 1 });
document.body.textContent = String(trainer.trainStep().loss);
`;

interface Bundle {
  code: string;
  /** The bundled modules of this repository, relative to it (Vite resolves the symlink). */
  library: string[];
  warnings: string[];
}

async function bundleApp(): Promise<Bundle> {
  vi.stubEnv("NODE_ENV", "production");
  writeFileSync(join(scratch, "index.html"), page);
  writeFileSync(join(scratch, "main.js"), main);
  const warnings: string[] = [];
  const logger = createLogger("silent");
  logger.warn = (message) => warnings.push(message);
  logger.warnOnce = (message) => warnings.push(message);
  logger.error = (message) => warnings.push(message);
  const result = await build({
    root: scratch,
    configFile: false,
    logLevel: "silent",
    customLogger: logger,
    build: {
      write: false,
      rolldownOptions: { onwarn: (warning) => warnings.push(warning.message) },
    },
  });
  const outputs = Array.isArray(result) ? result : [result];
  const chunks = outputs
    .flatMap((output) => ("output" in output ? output.output : []))
    .flatMap((file) => (file.type === "chunk" ? [file] : []));
  const library = chunks
    .flatMap((chunk) => chunk.moduleIds)
    .filter((id) => id.startsWith(repo) && !id.includes("/node_modules/"))
    .map((id) => relative(repo, id));
  return { code: chunks.map((chunk) => chunk.code).join("\n"), library, warnings };
}

describe('import { SequenceModel, createOptimizer, Trainer } from "rnnlab" in a Vite app', () => {
  it("builds with no warning, from the browser entry, with no Node built-in and the WebAssembly kernels", async () => {
    const { code, library, warnings } = await bundleApp();
    expect(warnings).toEqual([]);
    expect(library.filter((id) => !id.startsWith("dist/src/"))).toEqual([]);
    expect(library).toContain("dist/src/kernels/gemm-wasm-module.js");
    expect(code.match(/["'`]node:[\w/]*/g) ?? []).toEqual([]);
    expect(code.match(/.{0,40}experimental-wasm-relaxed-simd/g) ?? []).toEqual([]);
  }, 20_000);
});
