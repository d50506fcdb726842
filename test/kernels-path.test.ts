import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

// Where the WebAssembly kernels cannot load, the library runs the TypeScript ones and says so in one
// console.warn line, once; kernelPath() and ready() say which path runs. Each case is a plain
// `node` process (no flags) on dist/, whose WebAssembly global is removed or sabotaged before the
// library is imported; the TypeScript reference is the same script with setWasmGemmEnabled(false).

const kernelsUrl = pathToFileURL(resolve("dist/src/kernels/index.js")).href;
const libraryUrl = pathToFileURL(resolve("dist/src/index.js")).href;

/** Two products and one float32 LSTM training step (Adam), then the path and every result. */
const work = `
const { kernelPath, matmul, matmulTransB, ready } = kernels;
const random = (n, seed) => {
  const rng = new lib.Rng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
};
const a = random(64 * 48, 1);
const b = random(48 * 40, 2);
const product = new Float32Array(64 * 40);
matmul(product, a, b, 64, 48, 40);
const productTransB = new Float32Array(64 * 64);
matmulTransB(productTransB, a, a, 64, 48, 64);
const model = new lib.SequenceModel(
  { cell: "lstm", hiddenSize: 32, input: { kind: "embedding", vocabSize: 16, embeddingSize: 8 } },
  { seed: 1 },
);
const optimizer = lib.createOptimizer({ name: "adam", lr: 1e-2 }, model);
const T = 8, B = 4;
const tokens = Int32Array.from({ length: T * B }, (_, i) => (i * 7) % 16);
const { loss } = model.lossAndGrad({ T, B, tokens }, { classes: tokens.map((t) => (t + 1) % 16) });
optimizer.step(model.params.data, model.params.grad);
console.log(JSON.stringify({
  path: kernelPath(),
  ready: await ready(),
  products: [Array.from(product), Array.from(productTransB)],
  loss,
  params: Array.from(model.params.data),
}));
`;

interface Run {
  path: unknown;
  ready: unknown;
  products: number[][];
  loss: number;
  params: number[];
}

/** Runs `setup`, then imports the library and runs `body`, in a fresh `node`: stdout, stderr. */
function runNode(setup: string, body: string): { stdout: string; stderr: string } {
  const source = `${setup}
const kernels = await import(${JSON.stringify(kernelsUrl)});
const lib = await import(${JSON.stringify(libraryUrl)});
${body}`;
  const run = spawnSync(process.execPath, ["--input-type=module", "--eval", source], {
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  expect(run.status, run.stderr).toBe(0);
  return { stdout: run.stdout, stderr: run.stderr };
}

const typescriptPath = { gemm: "typescript", pointwise: "typescript" };
const warning = (reason: RegExp) =>
  new RegExp(
    `^rnnlab: the WebAssembly kernels did not load \\(${reason.source}\\); running the TypeScript kernels\\n$`,
  );

/** WebAssembly.Module throwing `syncError`, and WebAssembly.compile `asyncError` unless null (both
 *  JavaScript expressions). */
const refuse = (syncError: string, asyncError: string | null) => `
WebAssembly.Module = function () { throw ${syncError}; };
${asyncError === null ? "" : `WebAssembly.compile = async () => { throw ${asyncError}; };`}
`;

describe("the TypeScript fallback where the WebAssembly kernels cannot load", () => {
  let reference: Run;
  beforeAll(() => {
    reference = JSON.parse(runNode("", `kernels.setWasmGemmEnabled(false);\n${work}`).stdout);
  });

  it("with no WebAssembly global: one warning line, the TypeScript path, the reference's results", () => {
    const { stdout, stderr } = runNode("delete globalThis.WebAssembly;", work);
    expect(stderr).toMatch(warning(/this runtime has no WebAssembly/));
    const run: Run = JSON.parse(stdout);
    expect(run.path).toEqual(typescriptPath);
    expect(run.ready).toEqual(typescriptPath);
    expect(reference.path).toEqual(typescriptPath);
    expect(run.products).toEqual(reference.products);
    expect(run.loss).toBe(reference.loss);
    expect(run.params).toEqual(reference.params);
  });

  it("where the engine refuses to compile it (no SIMD), awaiting ready() first: one warning line", () => {
    const error = 'new WebAssembly.CompileError("invalid simd opcode")';
    const { stdout, stderr } = runNode(refuse(error, error), `await kernels.ready();\n${work}`);
    expect(stderr).toMatch(
      warning(/compiling them asynchronously failed: CompileError: invalid simd opcode/),
    );
    const run: Run = JSON.parse(stdout);
    expect(run.path).toEqual(typescriptPath);
    expect(run.products).toEqual(reference.products);
    expect(run.params).toEqual(reference.params);
  });
});

describe("ready() where synchronous compilation is refused (as on a page's main thread)", () => {
  const mainThread = refuse('new RangeError("WebAssembly.Module(): buffer size is larger than 8 MB")', null);
  const wasmPath = { gemm: expect.stringMatching(/^(relaxed|simd)$/), pointwise: "wasm" };

  it("awaited before the first product: the WebAssembly path, and no warning", () => {
    const { stdout, stderr } = runNode(mainThread, "console.log(JSON.stringify(await kernels.ready()));");
    expect(stderr).toBe("");
    expect(JSON.parse(stdout)).toEqual(wasmPath);
  });

  it("after a product: one warning that says to await ready(), then ready() loads WebAssembly", () => {
    const body = `
const before = kernels.kernelPath();
const after = await kernels.ready();
console.log(JSON.stringify({ before, after }));`;
    const { stdout, stderr } = runNode(mainThread, body);
    expect(stderr).toMatch(
      warning(/compiling them synchronously failed: RangeError: .*; await ready\(\) first/),
    );
    expect(JSON.parse(stdout)).toEqual({ before: typescriptPath, after: wasmPath });
  });

  it("with WebAssembly as it is: kernelPath() reports the module's build for both kernels", () => {
    const { stdout, stderr } = runNode("", "console.log(JSON.stringify(kernels.kernelPath()));");
    expect(stderr).toBe("");
    expect(JSON.parse(stdout)).toEqual(wasmPath);
  });
});
