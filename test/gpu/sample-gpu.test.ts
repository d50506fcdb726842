import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drawSteps, drawStepsAsync } from "../../src/eval/sampling.js";
import { TokenStepper } from "../../src/eval/stepper.js";
import { GpuModel } from "../../src/gpu/gpu-model.js";
import { GpuTokenStepper } from "../../src/gpu/gpu-stepper.js";
import type { ModelOptions } from "../../src/model/config.js";
import { SequenceModel } from "../../src/model/sequence-model.js";
import { Rng } from "../../src/random.js";
import { rnnlab, smallTrainFlags } from "../helpers/cli.js";
import { gpuContext, skipGpuTests, useSwiftShader } from "../helpers/gpu.js";
import { worstScaledError } from "../helpers/gpu-compare.js";

// Sampling on the GPU: GpuTokenStepper's logits against TokenStepper's (float64, same parameters)
// over calls of several lengths, the state carried from one to the next; drawStepsAsync against
// drawSteps on the same model; and `rnnlab sample --device webgpu` against --device cpu.

const V = 9;
const configs: [string, ModelOptions][] = [
  [
    "rnn, embedding",
    { cell: "rnn", hiddenSize: 7, input: { kind: "embedding", vocabSize: V, embeddingSize: 4 } },
  ],
  [
    "rnn skip 2, one-hot, 2 layers",
    { cell: "rnn", skip: 2, hiddenSize: 5, layers: 2, input: { kind: "onehot", vocabSize: V } },
  ],
  ["gru, one-hot", { cell: "gru", hiddenSize: 6, input: { kind: "onehot", vocabSize: V } }],
  [
    "gru, embedding, 2 layers",
    { cell: "gru", hiddenSize: 5, layers: 2, input: { kind: "embedding", vocabSize: V, embeddingSize: 3 } },
  ],
  [
    "lstm, embedding",
    { cell: "lstm", hiddenSize: 6, input: { kind: "embedding", vocabSize: V, embeddingSize: 4 } },
  ],
  [
    "lstm, one-hot, 2 layers",
    { cell: "lstm", hiddenSize: 4, layers: 2, input: { kind: "onehot", vocabSize: V } },
  ],
];

/** Calls of these lengths in turn (a prime, then single steps, then a longer call). */
const CALLS = [3, 1, 1, 4];
const B = 2;

describe.skipIf(skipGpuTests())("sampling on WebGPU", () => {
  afterAll(async () => (await gpuContext()).destroy());

  for (const [name, options] of configs) {
    it(`GpuTokenStepper.feed() matches TokenStepper.feed() call after call: ${name}`, async () => {
      const model = new SequenceModel(options, { seed: 4 });
      const reference = new SequenceModel({ ...options, dtype: "float64" });
      reference.params.data.set(model.params.data);
      const gpu = new GpuModel(await gpuContext(), model.config, model.params);
      const stepper = new GpuTokenStepper(gpu, B);
      const cpu = new TokenStepper(reference, B);
      const rng = new Rng(7);
      try {
        for (const [call, T] of CALLS.entries()) {
          const tokens = Int32Array.from({ length: T * B }, () => rng.int(V));
          const want = Float64Array.from(cpu.feed(tokens, T));
          const got = await stepper.feed(tokens, T);
          const worst = worstScaledError(got, want, 1);
          expect(worst, `call ${call} (T ${T}): worst error ${worst}`).toBeLessThan(1e-4);
        }
        // reset() starts over from the zero state, as a fresh TokenStepper does.
        stepper.reset();
        const tokens = Int32Array.from({ length: 2 * B }, () => rng.int(V));
        const fresh = Float64Array.from(new TokenStepper(reference, B).feed(tokens, 2));
        expect(worstScaledError(await stepper.feed(tokens, 2), fresh, 1)).toBeLessThan(1e-4);
      } finally {
        stepper.destroy();
        gpu.destroy();
      }
    });
  }

  it("drawStepsAsync(GpuTokenStepper) draws drawSteps' tokens for the same seeds", async () => {
    const options = configs[4][1];
    const model = new SequenceModel(options, { seed: 9 });
    const gpu = new GpuModel(await gpuContext(), model.config, model.params);
    const stepper = new GpuTokenStepper(gpu, 3);
    const prime = Int32Array.from([1, 2, 3]);
    const sampling = { temperature: 0.9, topP: 0.95, stop: [Int32Array.from([4, 4])] };
    const rngs = () => [new Rng(1), new Rng(2), new Rng(3)];
    try {
      const cpu = Array.from(drawSteps(model, prime, 12, rngs(), sampling), (drawn) => Array.from(drawn));
      const onGpu: number[][] = [];
      for await (const drawn of drawStepsAsync(stepper, prime, 12, rngs(), sampling))
        onGpu.push(Array.from(drawn));
      expect(onGpu).toEqual(cpu);
      expect(cpu.length).toBeGreaterThan(1);
    } finally {
      stepper.destroy();
      gpu.destroy();
    }
  });
});

describe.skipIf(skipGpuTests())("rnnlab sample --device webgpu", () => {
  let scratch: string;
  let run: string;

  beforeAll(() => {
    useSwiftShader();
    scratch = mkdtempSync(join(tmpdir(), "rnnlab-gpu-sample-"));
    run = join(scratch, "run");
    const trained = rnnlab([
      "train",
      ...smallTrainFlags(scratch),
      "--steps",
      "4",
      "--threads",
      "1",
      "--out",
      run,
    ]);
    expect(trained.status, trained.stderr).toBe(0);
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const sample = (device: string, more: string[]) =>
    rnnlab(["sample", run, "--device", device, "--length", "40", ...more]);

  it("sample --device webgpu prints --device cpu's text, batched and streamed", () => {
    // 40 characters after the prime's newline, or fewer when a stop ends the sample.
    const cases: [string[], (text: string) => void][] = [
      [
        ["--seed", "3", "--num", "2", "--temperature", "0.8"],
        (text) => expect(text.length).toBeGreaterThan(80),
      ],
      [
        ["--seed", "11", "--num", "2", "--temperature", "0.8", "--top-k", "5", "--top-p", "0.9"],
        (text) => expect(text.length).toBeGreaterThan(80),
      ],
      [["--seed", "5", "--temperature", "0.8"], (text) => expect(text).toHaveLength(42)],
      [
        ["--seed", "5", "--temperature", "0.8", "--stop", "e"],
        (text) => expect(text).toMatch(/^\n[^e]*e\n$/),
      ],
    ];
    for (const [more, check] of cases) {
      const [gpu, cpu] = [sample("webgpu", more), sample("cpu", more)];
      expect(gpu.status, gpu.stderr).toBe(0);
      expect(gpu.stderr, "drawn on the GPU, not after a fallback to the CPU").toBe("");
      expect(cpu.status, cpu.stderr).toBe(0);
      expect(gpu.stdout, more.join(" ")).toBe(cpu.stdout);
      check(gpu.stdout);
    }
  });

  it("sample --device webgpu with no adapter says so in one line and prints the CPU's samples", () => {
    const more = ["--seed", "2", "--num", "2"];
    const fallback = spawnSync(
      process.execPath,
      ["dist/cli/main.js", "sample", run, "--device", "webgpu", "--length", "40", ...more],
      { encoding: "utf8", env: { ...process.env, VK_ICD_FILENAMES: join(scratch, "no-such-driver.json") } },
    );
    expect(fallback.status, fallback.stderr).toBe(0);
    // Dawn's Vulkan loader adds its own warnings about the missing driver.
    expect(fallback.stderr).toMatch(/^--device webgpu: WebGPU found no GPU adapter; sampling on the CPU$/m);
    expect(fallback.stdout).toBe(sample("cpu", more).stdout);
  });

  it("sample --device webgpu --beam 2 is refused in one line", () => {
    const result = sample("webgpu", ["--beam", "2"]);
    expect(result.status).not.toBe(0);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/--device webgpu: .*beam.*--device cpu/);
  });
});
