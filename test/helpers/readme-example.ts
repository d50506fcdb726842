import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { build, type Plugin } from "esbuild";
import ts from "typescript";

// The README's library example (README.md, "## The library", its ```ts block) run twice: by Node,
// as test/readme-example.test.ts runs it, and bundled for a browser's dedicated worker, where
// "node:fs" is a shim: readFileSync is a synchronous XMLHttpRequest (allowed in a dedicated worker)
// for the path relative to the worker's URL, and writeFileSync keeps the bytes. Both runs import
// "rnnlab" as an installed package, from a scratch folder whose node_modules/rnnlab is this
// package: Node takes the "node" condition (dist/node/main.js), the browser bundle the "default"
// one (dist/src/index.js).

/** The ```ts block of README.md's "## The library" section. */
export function readmeExample(): string {
  const block = readFileSync("README.md", "utf8").match(/## The library[\s\S]*?```ts\n([\s\S]*?)```/)?.[1];
  if (block === undefined) throw new Error('README.md has no ```ts block under "## The library"');
  return block;
}

/** What one run of the example left: its console.log lines and the files it wrote. */
export interface ExampleRun {
  logged: string[];
  /** console.warn and console.error lines (Node: stderr's lines). */
  warned: string[];
  written: Record<string, Uint8Array>;
}

/** Makes `scratch` an installed-package folder: node_modules/rnnlab → this package, data/ → ours. */
export function prepareScratch(scratch: string): void {
  mkdirSync(join(scratch, "node_modules"));
  symlinkSync(resolve("."), join(scratch, "node_modules", "rnnlab"), "dir");
  symlinkSync(resolve("data"), join(scratch, "data"), "dir");
}

/** Runs `block` with Node in `scratch` (types stripped by TypeScript, as the README's readers would
 *  with tsc). Throws with Node's stderr if it fails. */
export function runInNode(block: string, scratch: string): ExampleRun {
  requireScratch(scratch, "runInNode");
  const js = ts.transpileModule(block, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  writeFileSync(join(scratch, "example.mjs"), js);
  const run = spawnSync(process.execPath, ["example.mjs"], { cwd: scratch, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`the README example failed in Node: ${run.stderr.trim()}`);
  return {
    logged: lines(run.stdout),
    warned: lines(run.stderr),
    written: { "model.ckpt": readFileSync(join(scratch, "model.ckpt")) },
  };
}

/** An empty scratch (a beforeAll that failed before setting it) would write into the repository. */
function requireScratch(scratch: string, who: string): void {
  if (scratch === "") throw new Error(`${who}: no scratch folder (did the suite's setup fail?)`);
}

function lines(text: string): string[] {
  return text === "" ? [] : text.replace(/\n$/, "").split("\n");
}

/** The worker's "node:fs". Importing it (first, from the entry) also captures console.log, .warn and
 *  .error into arrays, so the entry can post them with the written files once the example is done. */
const fsShim = `
export const logged = [];
export const warned = [];
export const written = {};
const text = (args) => args.map(String).join(" ");
console.log = (...args) => logged.push(text(args));
console.warn = console.error = (...args) => warned.push(text(args));

export function readFileSync(path, encoding) {
  if (encoding !== "utf8") throw new Error("the worker's readFileSync reads utf8 text only, not " + encoding);
  const request = new XMLHttpRequest();
  request.open("GET", path, false);
  request.send();
  if (request.status !== 200) throw new Error("the worker's readFileSync: GET " + path + " answered " + request.status);
  return request.responseText;
}

export function writeFileSync(path, bytes) {
  written[path] = Uint8Array.from(bytes);
}
`;

/** The worker's entry: the shim first (its console capture must precede the example's first line),
 *  then the example, then what it left, with the kernels that ran it. */
const entry = `
import { logged, warned, written } from "node:fs";
import "readme:example";
import { kernelPath } from "rnnlab/kernels";
postMessage({ logged, warned, written, kernelPath: kernelPath() });
`;

/** `block` bundled as a module worker's script (ES module, browser platform, unminified) that
 *  posts { logged, warned, written, kernelPath } when the example has run. */
export async function bundleForWorker(block: string, scratch: string): Promise<string> {
  requireScratch(scratch, "bundleForWorker");
  const modules: Record<string, { contents: string; loader: "js" | "ts" }> = {
    "node:fs": { contents: fsShim, loader: "js" },
    "readme:example": { contents: block, loader: "ts" },
  };
  const virtual: Plugin = {
    name: "readme-worker",
    setup(plugin) {
      const filter = /^(node:fs|readme:example)$/;
      plugin.onResolve({ filter }, ({ path }) => ({ path, namespace: "readme" }));
      plugin.onLoad({ filter: /.*/, namespace: "readme" }, ({ path }) => ({
        ...modules[path],
        resolveDir: scratch,
      }));
    },
  };
  const result = await build({
    stdin: { contents: entry, resolveDir: scratch, sourcefile: "readme-worker.js" },
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    write: false,
    logLevel: "silent",
    plugins: [virtual],
  });
  if (result.warnings.length > 0)
    throw new Error(`bundling the README example warned: ${result.warnings.map((w) => w.text).join("; ")}`);
  return result.outputFiles[0].text;
}
