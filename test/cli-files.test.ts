import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { importTorchCommand, register } from "../cli/commands/import-torch.js";
import { UserError } from "../cli/errors.js";
import { loadCheckpointFile, readFileOrFail, saveCheckpointFile, writeFileAtomic } from "../cli/files.js";
import { FormatError } from "../src/errors.js";
import { type Checkpoint, encodeCheckpoint } from "../src/io/checkpoint.js";
import { encodeSafetensors } from "../src/io/safetensors.js";
import type { ModelConfig } from "../src/model/config.js";
import { modelParamSpecs } from "../src/model/param-shapes.js";
import { Rng } from "../src/random.js";
import { shapeSize, Tensor } from "../src/tensor.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "rnnlab-files-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const config: ModelConfig = {
  cell: "gru",
  activation: "tanh",
  straightThrough: false,
  skip: 0,
  hiddenSize: 3,
  layers: 1,
  input: { kind: "dense", size: 2 },
  outputSize: 2,
  loss: "mse",
  dtype: "float32",
};

function checkpoint(): Checkpoint {
  const params = Object.fromEntries(modelParamSpecs(config).map(({ name, shape }) => [name, ramp(shape)]));
  return { config, params, step: 3, rngState: new Rng(2).state() };
}

function ramp(shape: number[]): Tensor {
  return new Tensor(
    Float32Array.from({ length: shapeSize(shape) }, (_, i) => i / 8),
    shape,
  );
}

describe("writeFileAtomic", () => {
  it("writeFileAtomic(existing file, bytes) replaces it whole and leaves no temporary file", () => {
    const target = join(dir, "model.ckpt");
    writeFileSync(target, "old contents that are longer than the new ones");
    writeFileAtomic(target, new Uint8Array([1, 2, 3]));
    expect(Array.from(readFileSync(target))).toEqual([1, 2, 3]);
    writeFileAtomic(target, "text ✓");
    expect(readFileSync(target, "utf8")).toBe("text ✓");
    expect(readdirSync(dir)).toEqual(["model.ckpt"]);
  });

  it("writeFileAtomic(path in missing directories) creates them", () => {
    const target = join(dir, "a", "b", "out.bin");
    writeFileAtomic(target, new Uint8Array([9]));
    expect(Array.from(readFileSync(target))).toEqual([9]);
  });

  it("writeFileAtomic(target that is a directory) throws a UserError, keeps the directory and removes the temp file", () => {
    const target = join(dir, "taken");
    mkdirSync(target);
    writeFileSync(join(target, "inside"), "keep");
    expect(() => writeFileAtomic(target, new Uint8Array([1]))).toThrow(UserError);
    expect(() => writeFileAtomic(target, new Uint8Array([1]))).toThrow(/cannot write '.*taken': /);
    expect(statSync(target).isDirectory()).toBe(true);
    expect(readFileSync(join(target, "inside"), "utf8")).toBe("keep");
    expect(readdirSync(dir)).toEqual(["taken"]);
  });

  it("writeFileAtomic(path under a regular file) throws a UserError naming the path", () => {
    writeFileSync(join(dir, "plain"), "x");
    expect(() => writeFileAtomic(join(dir, "plain", "sub", "out.bin"), "y")).toThrow(
      /cannot write '.*out\.bin': a parent of it is not a directory/,
    );
    expect(readdirSync(dir)).toEqual(["plain"]);
  });

  it("writeFileAtomic(path, bytes, failing writer) keeps the previous file intact and removes the temp file", () => {
    const target = join(dir, "model.ckpt");
    writeFileSync(target, "previous");
    const failAfterHalf = (fd: number, bytes: Uint8Array) => {
      writeFileSync(fd, bytes.subarray(0, bytes.length / 2));
      throw new Error("disk full (simulated)");
    };
    expect(() => writeFileAtomic(target, new Uint8Array(64), failAfterHalf)).toThrow(
      /cannot write '.*model\.ckpt': disk full \(simulated\)/,
    );
    expect(readFileSync(target, "utf8")).toBe("previous");
    expect(readdirSync(dir)).toEqual(["model.ckpt"]);
  });
});

describe("readFileOrFail / loadCheckpointFile", () => {
  it("readFileOrFail(missing file, 'checkpoint') throws \"cannot read checkpoint 'x': no such file\"", () => {
    const path = join(dir, "nope.ckpt");
    expect(() => readFileOrFail(path, "checkpoint")).toThrow(UserError);
    expect(() => readFileOrFail(path, "checkpoint")).toThrow(
      `cannot read checkpoint '${path}': no such file`,
    );
    expect(() => readFileOrFail(dir, "checkpoint")).toThrow(/it is a directory/);
  });

  it("loadCheckpointFile(saveCheckpointFile(path, ckpt)) gives the checkpoint back", () => {
    const path = join(dir, "run", "model.ckpt");
    const ckpt = checkpoint();
    saveCheckpointFile(path, ckpt);
    const loaded = loadCheckpointFile(path);
    expect(loaded.config).toEqual(config);
    expect(loaded.step).toBe(3);
    expect(loaded.params["linear.weight"].data).toEqual(ckpt.params["linear.weight"].data);
    expect(loadCheckpointFile(path, { dtype: "float64" }).params["linear.bias"].data).toBeInstanceOf(
      Float64Array,
    );
  });

  it("loadCheckpointFile(truncated file) throws \"checkpoint 'x' is corrupt: truncated ...\"", () => {
    const path = join(dir, "cut.ckpt");
    const bytes = encodeCheckpoint(checkpoint());
    writeFileSync(path, bytes.subarray(0, bytes.length - 5));
    expect(() => loadCheckpointFile(path)).toThrow(FormatError);
    expect(() => loadCheckpointFile(path)).toThrow(`checkpoint '${path}' is corrupt: truncated or corrupt`);
  });

  it("loadCheckpointFile(plain safetensors weights) says it is not an rnnlab checkpoint", () => {
    const path = join(dir, "weights.safetensors");
    writeFileSync(path, encodeSafetensors({ w: Tensor.zeros([2]) }));
    expect(() => loadCheckpointFile(path)).toThrow(
      new RegExp(`^checkpoint '${path}': this safetensors file is not an rnnlab checkpoint`),
    );
  });
});

describe("rnnlab import-torch", () => {
  function writeStateDict(name: string, dict: Record<string, Tensor>): string {
    const path = join(dir, name);
    writeFileSync(path, encodeSafetensors(dict, { format: "pt" }));
    return path;
  }

  function rnnStateDict(H: number, I: number): Record<string, Tensor> {
    return {
      "rnn.weight_ih_l0": ramp([H, I]),
      "rnn.weight_hh_l0": ramp([H, H]),
      "rnn.bias_ih_l0": ramp([H]),
      "rnn.bias_hh_l0": ramp([H]),
      "out.weight": ramp([2, H]),
      "out.bias": ramp([2]),
    };
  }

  it("importTorchCommand(file, {out, activation: 'relu'}) writes a step-0 checkpoint and prints one line", () => {
    const file = writeStateDict("model.safetensors", rnnStateDict(4, 3));
    const out = join(dir, "ckpt", "model.ckpt");
    const lines: string[] = [];
    importTorchCommand(file, { out, activation: "relu", dtype: "float64" }, (line) => lines.push(line));
    expect(lines).toEqual([`imported rnn(relu) L=1 H=4 (input dense 3, output 2) -> ${out}`]);
    const loaded = loadCheckpointFile(out);
    expect(loaded.config).toMatchObject({ cell: "rnn", activation: "relu", dtype: "float64", outputSize: 2 });
    expect(loaded.step).toBe(0);
    expect(loaded.rngState).toEqual(new Rng(0).state());
    expect(loaded.optimizer).toBeUndefined();
    expect(loaded.params["linear.weight"].data).toEqual(Float64Array.from(ramp([2, 4]).data));
  });

  it("importTorchCommand(unsupported state dict) throws a FormatError naming the file and leaves no output", () => {
    const file = writeStateDict("bi.safetensors", {
      ...rnnStateDict(4, 3),
      "rnn.weight_ih_l0_reverse": ramp([4, 3]),
    });
    const out = join(dir, "bi.ckpt");
    const run = () => importTorchCommand(file, { out, dtype: "float32" }, () => {});
    expect(run).toThrow(FormatError);
    expect(run).toThrow(
      new RegExp(`^cannot import '${file}': 'rnn.weight_hh_l0_reverse' is missing: each direction`),
    );
    expect(readdirSync(dir)).toEqual(["bi.safetensors"]);
  });

  it("importTorchCommand(corrupt or missing file) throws naming it", () => {
    const file = join(dir, "junk.safetensors");
    writeFileSync(file, "not a safetensors file at all");
    const run = (path: string) => () =>
      importTorchCommand(path, { out: join(dir, "x.ckpt"), dtype: "float32" }, () => {});
    expect(run(file)).toThrow(new RegExp(`^cannot import '${file}': truncated or not a safetensors file`));
    expect(run(join(dir, "missing.safetensors"))).toThrow(
      /cannot read weights file '.*missing.safetensors': no such file/,
    );
  });

  it("rnnlab import-torch --activation gelu is rejected by commander's choices", async () => {
    const program = new Command("rnnlab")
      .exitOverride()
      .configureOutput({ writeErr: () => {}, writeOut: () => {} });
    register(program);
    const parse = program.parseAsync([
      "node",
      "rnnlab",
      "import-torch",
      "x.safetensors",
      "--out",
      "y",
      "--activation",
      "gelu",
    ]);
    await expect(parse).rejects.toBeInstanceOf(CommanderError);
    await expect(parse).rejects.toMatchObject({ code: "commander.invalidArgument" });
  });
});
