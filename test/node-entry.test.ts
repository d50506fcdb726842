import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// "rnnlab" as a plain Node user gets it: `node script.mjs` in a scratch folder whose
// node_modules/rnnlab is this package (dist/, built first), no flags and no setup call. Node
// resolves "rnnlab" to the "node" condition (node/main.ts), which turns on relaxed SIMD.

const repo = resolve(".");
const scratch = mkdtempSync(join(tmpdir(), "rnnlab-node-entry-"));
mkdirSync(join(scratch, "node_modules"));
symlinkSync(repo, join(scratch, "node_modules", "rnnlab"), "dir");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** One float32 LSTM step, then which kernel build ran here and in a worker thread started after. */
const lstmStep = (modelFrom: string) => `
import { Worker } from "node:worker_threads";
import { SequenceModel } from "${modelFrom}";
import { wasmKernelVariant } from "rnnlab/kernels";
const model = new SequenceModel(
  { cell: "lstm", hiddenSize: 32, input: { kind: "embedding", vocabSize: 16, embeddingSize: 8 } },
  { seed: 1 },
);
const T = 8, B = 4;
const tokens = Int32Array.from({ length: T * B }, (_, i) => i % 16);
const classes = tokens.map((t) => (t + 1) % 16);
const { loss } = model.lossAndGrad({ T, B, tokens }, { classes });
const worker = new Worker(new URL("./worker.mjs", import.meta.url));
const inWorker = await new Promise((done) => worker.once("message", done));
await worker.terminate();
console.log(JSON.stringify({ dtype: model.config.dtype, loss, main: wasmKernelVariant(), worker: inWorker }));
`;
writeFileSync(
  join(scratch, "worker.mjs"),
  'import { parentPort } from "node:worker_threads";\nimport { wasmKernelVariant } from "rnnlab/kernels";\nparentPort.postMessage(wasmKernelVariant());\n',
);

interface StepRun {
  dtype: string;
  loss: number;
  main: string | null;
  worker: string | null;
}

/** Runs `source` as scratch/name.mjs with plain `node` (no flags, none through NODE_OPTIONS). */
function runNode(name: string, source: string): string {
  writeFileSync(join(scratch, `${name}.mjs`), source);
  const run = spawnSync(process.execPath, [`${name}.mjs`], {
    cwd: scratch,
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  return run.stdout;
}

const nodeMajor = Number(process.versions.node.split(".")[0]);

describe('importing "rnnlab" in Node', () => {
  it("resolves to the Node entry, with exactly the names of src/index.ts", async () => {
    const out = runNode(
      "names",
      'console.log(JSON.stringify({ file: import.meta.resolve("rnnlab"), names: Object.keys(await import("rnnlab")) }));',
    );
    const { file, names }: { file: string; names: string[] } = JSON.parse(out);
    expect(file).toMatch(/\/dist\/node\/main\.js$/);
    const core = await import("../src/index.js");
    expect(names.sort()).toEqual(Object.keys(core).sort());
  });

  it("runs a float32 LSTM step on the relaxed-SIMD kernels, in worker threads too, with no setup call", () => {
    const run: StepRun = JSON.parse(runNode("relaxed", lstmStep("rnnlab")));
    expect(run.dtype).toBe("float32");
    expect(run.loss).toBeGreaterThan(0);
    expect(run.main).toBe("relaxed");
    expect(run.worker).toBe("relaxed");
  });

  // The control: the same script without the entry gets the SIMD build where Node keeps relaxed SIMD
  // behind a flag (Node 20; on by default from Node 22, V8 11.4+).
  it.runIf(nodeMajor < 22)("without it (the core's file by path), Node 20 runs the SIMD build", () => {
    const run: StepRun = JSON.parse(runNode("plain", lstmStep("./node_modules/rnnlab/dist/src/index.js")));
    expect(run.main).toBe("simd");
    expect(run.worker).toBe("simd");
  });
});
