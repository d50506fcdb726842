import { describe, expect, it } from "vitest";
import { ConfigError, FormatError } from "../src/errors.js";
import { type Checkpoint, decodeCheckpoint, encodeCheckpoint } from "../src/io/checkpoint.js";
import { parseModelConfig } from "../src/model/config-schema.js";
import { decodeSafetensors, encodeSafetensors } from "../src/io/safetensors.js";
import type { ModelConfig } from "../src/model/config.js";
import { modelParamSpecs } from "../src/model/param-shapes.js";
import { Rng } from "../src/random.js";
import { shapeSize, Tensor } from "../src/tensor.js";

const config: ModelConfig = {
  cell: "lstm",
  activation: "tanh",
  straightThrough: false,
  skip: 0,
  hiddenSize: 4,
  layers: 2,
  input: { kind: "embedding", vocabSize: 7, embeddingSize: 3 },
  outputSize: 7,
  loss: "cross-entropy",
  dtype: "float32",
};

function randomParams(modelConfig: ModelConfig, seed = 1): Record<string, Tensor> {
  const rng = new Rng(seed);
  return Object.fromEntries(
    modelParamSpecs(modelConfig).map(({ name, shape }) => [
      name,
      new Tensor(
        Float32Array.from({ length: shapeSize(shape) }, () => rng.normal()),
        shape,
      ),
    ]),
  );
}

const paramCount = modelParamSpecs(config).reduce((sum, spec) => sum + shapeSize(spec.shape), 0);

function fullCheckpoint(): Checkpoint {
  return {
    config,
    params: randomParams(config),
    step: 120,
    rngState: new Rng(5).state(),
    optimizer: {
      config: { name: "adam", lr: 0.002, beta1: 0.9 },
      step: 120,
      buffers: {
        exp_avg: Float32Array.from({ length: paramCount }, (_, i) => i / 10),
        exp_avg_sq: Float32Array.from({ length: paramCount }, (_, i) => i * i),
      },
    },
    extra: { vocab: ["a", "b", "\n"], options: { seqLen: 32 } },
  };
}

/** A checkpoint file whose metadata and tensors were changed after encoding. */
function tampered(
  change: (file: { tensors: Record<string, Tensor>; metadata: Record<string, string> }) => void,
): Uint8Array {
  const file = decodeSafetensors(encodeCheckpoint(fullCheckpoint()));
  change(file);
  return encodeSafetensors(file.tensors, file.metadata);
}

describe("encodeCheckpoint / decodeCheckpoint", () => {
  it("decodeCheckpoint(encodeCheckpoint(ckpt)) gives back config, params, step, rng state, optimizer and extra", () => {
    const ckpt = fullCheckpoint();
    const decoded = decodeCheckpoint(encodeCheckpoint(ckpt));
    expect(decoded.config).toEqual(ckpt.config);
    expect(Object.keys(decoded.params)).toEqual(modelParamSpecs(config).map((spec) => spec.name));
    for (const [name, tensor] of Object.entries(ckpt.params)) {
      expect(decoded.params[name].shape).toEqual(tensor.shape);
      expect(decoded.params[name].data).toEqual(tensor.data);
    }
    expect(decoded.step).toBe(120);
    expect(decoded.rngState).toEqual(ckpt.rngState);
    expect(decoded.optimizer).toEqual(ckpt.optimizer);
    expect(decoded.extra).toEqual(ckpt.extra);
  });

  it("encodeCheckpoint(ckpt) writes the documented layout: parameters, optimizer.<buffer>, metadata keys", () => {
    const { tensors, metadata } = decodeSafetensors(encodeCheckpoint(fullCheckpoint()));
    expect(tensors["rnn.weight_hh_l1"].shape).toEqual([16, 4]);
    expect(tensors["optimizer.exp_avg"].shape).toEqual([paramCount]);
    expect(metadata.format).toBe("rnnlab-checkpoint");
    expect(metadata.format_version).toBe("1");
    expect(JSON.parse(metadata.config)).toEqual(config);
    expect(metadata.step).toBe("120");
    expect(JSON.parse(metadata.rng_state)).toEqual(new Rng(5).state());
    expect(JSON.parse(metadata.optimizer)).toEqual({
      config: { name: "adam", lr: 0.002, beta1: 0.9 },
      step: 120,
    });
    expect(JSON.parse(metadata.extra).vocab).toEqual(["a", "b", "\n"]);
  });

  it("decodeCheckpoint(a checkpoint without optimizer and extra) leaves both undefined", () => {
    const { optimizer: _o, extra: _e, ...bare } = fullCheckpoint();
    const decoded = decodeCheckpoint(encodeCheckpoint(bare));
    expect(decoded.optimizer).toBeUndefined();
    expect(decoded.extra).toBeUndefined();
  });

  it("decodeCheckpoint(bytes, {dtype: 'float64'}) converts params and buffers and sets config.dtype", () => {
    const decoded = decodeCheckpoint(encodeCheckpoint(fullCheckpoint()), { dtype: "float64" });
    expect(decoded.config.dtype).toBe("float64");
    expect(decoded.params["linear.bias"].data).toBeInstanceOf(Float64Array);
    expect(decoded.optimizer?.buffers.exp_avg).toBeInstanceOf(Float64Array);
    expect(decoded.optimizer?.buffers.exp_avg[3]).toBeCloseTo(0.3, 6);
  });

  it("decodeCheckpoint(float64 params in a float32 config) converts them to the config's dtype", () => {
    const params64 = Object.fromEntries(
      Object.entries(randomParams(config)).map(([name, t]) => [
        name,
        new Tensor(Float64Array.from(t.data), t.shape),
      ]),
    );
    const decoded = decodeCheckpoint(encodeCheckpoint({ ...fullCheckpoint(), params: params64 }));
    expect(decoded.params["rnn.weight_ih_l0"].data).toBeInstanceOf(Float32Array);
  });
});

describe("decodeCheckpoint on a file that is not a valid checkpoint", () => {
  it("decodeCheckpoint(plain safetensors weights) says it is not an rnnlab checkpoint and how to import", () => {
    const plain = encodeSafetensors(randomParams(config), { format: "pt" });
    expect(() => decodeCheckpoint(plain)).toThrow(FormatError);
    expect(() => decodeCheckpoint(plain)).toThrow(
      /not an rnnlab checkpoint.*import PyTorch weights with `rnnlab import-torch`/,
    );
  });

  it("decodeCheckpoint(format_version 2) throws naming the version", () => {
    const bytes = tampered(({ metadata }) => {
      metadata.format_version = "2";
    });
    expect(() => decodeCheckpoint(bytes)).toThrow(/format_version is "2", this rnnlab reads "1"/);
  });

  it("decodeCheckpoint(missing parameter) names it with its shape", () => {
    const bytes = tampered(({ tensors }) => {
      delete tensors["rnn.weight_hh_l1"];
    });
    expect(() => decodeCheckpoint(bytes)).toThrow("checkpoint lacks parameter rnn.weight_hh_l1 [16,4]");
  });

  it("decodeCheckpoint(extra parameter) names it", () => {
    const bytes = tampered(({ tensors }) => {
      tensors["rnn.weight_ih_l2"] = Tensor.zeros([16, 4]);
    });
    expect(() => decodeCheckpoint(bytes)).toThrow(/unknown parameter rnn\.weight_ih_l2/);
  });

  it("decodeCheckpoint(wrong-shaped parameter) names both shapes", () => {
    const bytes = tampered(({ tensors }) => {
      tensors["linear.weight"] = Tensor.zeros([4, 7]);
    });
    expect(() => decodeCheckpoint(bytes)).toThrow(
      "checkpoint parameter linear.weight has shape [4,7], the config needs [7,4]",
    );
  });

  it("decodeCheckpoint(bad step, rng_state, optimizer, extra) throws naming the field", () => {
    // [metadata key, new value (undefined: removed), expected message]
    const cases: [string, string | undefined, RegExp][] = [
      ["step", "-1", /step must be a non-negative integer, got "-1"/],
      ["step", "1.5", /step must be a non-negative integer, got "1.5"/],
      ["step", undefined, /metadata lacks 'step'/],
      ["rng_state", "[1,2,3]", /rng_state must be four uint32 words/],
      ["rng_state", "[0,0,0,0]", /rng_state must be four uint32 words, not all zero/],
      ["rng_state", "[1,2,3,4294967296]", /rng_state must be four uint32 words/],
      ["rng_state", "nope", /metadata 'rng_state' is not JSON/],
      ["optimizer", '{"step": 1}', /'optimizer' must be/],
      ["optimizer", '{"config": {}, "step": -2}', /optimizer step must be a non-negative integer/],
      ["optimizer", undefined, /tensor optimizer\.exp_avg but no 'optimizer' metadata/],
      ["extra", "[1]", /'extra' must be a JSON object/],
      ["config", undefined, /metadata lacks 'config'/],
    ];
    for (const [key, value, message] of cases) {
      const bytes = tampered(({ metadata }) => {
        if (value === undefined) delete metadata[key];
        else metadata[key] = value;
      });
      expect(() => decodeCheckpoint(bytes), `${key} = ${value}`).toThrow(message);
    }
  });

  it("decodeCheckpoint(optimizer buffer of the wrong length) throws", () => {
    const bytes = tampered(({ tensors }) => {
      tensors["optimizer.exp_avg"] = Tensor.zeros([3]);
    });
    expect(() => decodeCheckpoint(bytes)).toThrow(
      `optimizer buffer exp_avg has 3 values, the model has ${paramCount}`,
    );
  });

  it("decodeCheckpoint(bad config fields) throws a FormatError with each field's message", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ hiddenSize: -3 }, "config.hiddenSize: expected a positive integer, got -3"],
      [{ layers: 0 }, "config.layers: expected a positive integer, got 0"],
      [{ cell: "transformer" }, 'config.cell: expected one of rnn, gru, lstm, got "transformer"'],
      [
        { activation: "gelu" },
        'config.activation: expected one of identity, tanh, sigmoid, relu, step, got "gelu"',
      ],
      [{ skip: 1 }, "config.skip: expected 0 (no skip) or an integer delay >= 2, got 1"],
      [{ skip: 2 }, "config.skip: got 2, but only cell rnn has a skip term (cell is lstm); use 0"],
      [{ outputSize: -1 }, "config.outputSize: expected a non-negative integer, got -1"],
      [{ loss: "hinge" }, 'config.loss: expected one of cross-entropy, bce, mse, got "hinge"'],
      [{ dtype: "float16" }, 'config.dtype: expected one of float32, float64, got "float16"'],
      [{ straightThrough: 1 }, "config.straightThrough: expected true or false, got 1"],
      [
        { input: { kind: "image" } },
        'config.input.kind: expected one of embedding, onehot, dense, got "image"',
      ],
      [{ input: { kind: "dense", size: 2.5 } }, "config.input.size: expected a positive integer, got 2.5"],
      [{ input: { kind: "onehot" } }, "config.input.vocabSize: missing; expected a positive integer"],
      [{ hidden: 4 }, 'config: unknown key "hidden"; remove it'],
    ];
    for (const [patch, message] of cases) {
      const bytes = tampered(({ metadata }) => {
        metadata.config = JSON.stringify({ ...config, ...patch });
      });
      expect(() => decodeCheckpoint(bytes)).toThrow(FormatError);
      expect(() => decodeCheckpoint(bytes)).toThrow(message);
    }
  });
});

describe("parseModelConfig", () => {
  it("parseModelConfig(valid config) returns it; parseModelConfig(5) throws a ConfigError", () => {
    expect(parseModelConfig(config)).toEqual(config);
    const rnn = { ...config, cell: "rnn", activation: "step", straightThrough: true, skip: 3 };
    expect(parseModelConfig(rnn)).toEqual(rnn);
    expect(() => parseModelConfig(5)).toThrow(ConfigError);
    expect(() => parseModelConfig(5)).toThrow("config: expected an object, got 5");
  });
});

describe("encodeCheckpoint on an invalid checkpoint", () => {
  it("encodeCheckpoint(missing parameter, bad rng state, bad step) throws before writing", () => {
    const ckpt = fullCheckpoint();
    const { "linear.bias": _, ...withoutBias } = ckpt.params;
    expect(() => encodeCheckpoint({ ...ckpt, params: withoutBias })).toThrow(
      "lacks parameter linear.bias [7]",
    );
    expect(() => encodeCheckpoint({ ...ckpt, rngState: [1, 2] })).toThrow(/rng_state/);
    expect(() => encodeCheckpoint({ ...ckpt, step: -1 })).toThrow(/step must be a non-negative integer/);
    expect(() => encodeCheckpoint({ ...ckpt, config: { ...config, hiddenSize: 0 } })).toThrow(ConfigError);
  });
});
