import { describe, expect, it } from "vitest";
import { ConfigError, FormatError } from "../src/errors.js";
import { importTorchStateDict } from "../src/io/torch-import.js";
import { modelParamSpecs } from "../src/model/param-shapes.js";
import { Rng } from "../src/random.js";
import { shapeSize, Tensor } from "../src/tensor.js";

const rng = new Rng(11);
const random = (shape: number[]) =>
  new Tensor(
    Float64Array.from({ length: shapeSize(shape) }, () => rng.normal()),
    shape,
  );

/** The state_dict keys of a PyTorch nn.RNN / nn.GRU / nn.LSTM with G gate blocks. */
function recurrentModule(
  prefix: string,
  G: number,
  I: number,
  H: number,
  layers: number,
): Record<string, Tensor> {
  const dict: Record<string, Tensor> = {};
  for (let k = 0; k < layers; k++) {
    dict[`${prefix}weight_ih_l${k}`] = random([G * H, k === 0 ? I : H]);
    dict[`${prefix}weight_hh_l${k}`] = random([G * H, H]);
    dict[`${prefix}bias_ih_l${k}`] = random([G * H]);
    dict[`${prefix}bias_hh_l${k}`] = random([G * H]);
  }
  return dict;
}

/** nn.Embedding(11, 5) as encoder, nn.LSTM(5, 6, num_layers=2) as lstm, nn.Linear(6, 11) as fc. */
function charLstm(): Record<string, Tensor> {
  return {
    "encoder.weight": random([11, 5]),
    ...recurrentModule("lstm.", 4, 5, 6, 2),
    "fc.weight": random([11, 6]),
    "fc.bias": random([11]),
  };
}

function without(dict: Record<string, Tensor>, ...keys: string[]): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(dict).filter(([key]) => !keys.includes(key)));
}

function expectImportError(dict: Record<string, Tensor>, message: RegExp | string): void {
  expect(() => importTorchStateDict(dict)).toThrow(FormatError);
  expect(() => importTorchStateDict(dict)).toThrow(message);
}

describe("importTorchStateDict", () => {
  it("importTorchStateDict(embedding + 2-layer lstm + linear with custom names) renames and converts to float32", () => {
    const dict = charLstm();
    const { config, params } = importTorchStateDict(dict);
    expect(config).toEqual({
      cell: "lstm",
      activation: "tanh",
      straightThrough: false,
      skip: 0,
      hiddenSize: 6,
      layers: 2,
      input: { kind: "embedding", vocabSize: 11, embeddingSize: 5 },
      outputSize: 11,
      loss: "cross-entropy",
      dtype: "float32",
    });
    expect(Object.keys(params).sort()).toEqual(
      modelParamSpecs(config)
        .map((spec) => spec.name)
        .sort(),
    );
    expect(params["embedding.weight"].data).toEqual(Float32Array.from(dict["encoder.weight"].data));
    expect(params["rnn.weight_hh_l1"].data).toEqual(Float32Array.from(dict["lstm.weight_hh_l1"].data));
    expect(params["linear.bias"].data).toEqual(Float32Array.from(dict["fc.bias"].data));
    expect(params["linear.weight"].shape).toEqual([11, 6]);
  });

  it("importTorchStateDict(dict, {dtype: 'float64'}) keeps float64 values exactly, in copies", () => {
    const dict = charLstm();
    const { config, params } = importTorchStateDict(dict, { dtype: "float64" });
    expect(config.dtype).toBe("float64");
    expect(params["rnn.bias_ih_l0"].data).toEqual(dict["lstm.bias_ih_l0"].data);
    expect(params["rnn.bias_ih_l0"].data).not.toBe(dict["lstm.bias_ih_l0"].data);
  });

  it("importTorchStateDict(bare nn.GRU) gives a gru with dense input and no readout", () => {
    const { config, params } = importTorchStateDict(recurrentModule("", 3, 4, 7, 1));
    expect(config).toMatchObject({
      cell: "gru",
      layers: 1,
      hiddenSize: 7,
      input: { kind: "dense", size: 4 },
    });
    expect(config.outputSize).toBe(0);
    expect(Object.keys(params)).toEqual([
      "rnn.weight_ih_l0",
      "rnn.weight_hh_l0",
      "rnn.bias_ih_l0",
      "rnn.bias_hh_l0",
    ]);
  });

  it("importTorchStateDict(nn.RNN + linear, {activation: 'relu'}) gives an rnn with relu", () => {
    const dict = {
      ...recurrentModule("net.rnn.", 1, 3, 5, 3),
      "net.head.weight": random([2, 5]),
      "net.head.bias": random([2]),
    };
    const { config } = importTorchStateDict(dict, { activation: "relu" });
    expect(config).toMatchObject({
      cell: "rnn",
      activation: "relu",
      layers: 3,
      hiddenSize: 5,
      outputSize: 2,
    });
    expect(importTorchStateDict(dict).config.activation).toBe("tanh");
  });

  it("importTorchStateDict(lstm, {activation: 'relu'}) throws a ConfigError: only nn.RNN has a choice", () => {
    expect(() => importTorchStateDict(charLstm(), { activation: "relu" })).toThrow(ConfigError);
    expect(() => importTorchStateDict(charLstm(), { activation: "relu" })).toThrow(/applies to nn.RNN only/);
  });
});

describe("importTorchStateDict on unsupported state dicts", () => {
  it("importTorchStateDict(a _reverse key without the rest of that direction) names the missing key", () => {
    const dict = { ...charLstm(), "lstm.weight_ih_l0_reverse": random([24, 5]) };
    expectImportError(
      dict,
      /^'lstm\.weight_hh_l0_reverse' is missing: each direction of each of the 2 layers needs weight_ih, weight_hh, bias_ih, bias_hh$/,
    );
  });

  it("importTorchStateDict(weight_hr of the wrong shape) names it and the shape it needs", () => {
    const dict = { ...recurrentModule("lstm.", 4, 5, 6, 1), "lstm.weight_hr_l0": random([3, 6]) };
    expectImportError(
      dict,
      "'lstm.weight_hh_l0' has shape [24,6] but hidden size is 6, proj_size 3 (nn.LSTM needs [24,3])",
    );
  });

  it("importTorchStateDict(bias=False on one layer only) names the missing bias", () => {
    const dict = without(charLstm(), "lstm.bias_ih_l1", "lstm.bias_hh_l1");
    expectImportError(
      dict,
      /^'lstm\.bias_ih_l1' is missing: each of the 2 layers needs weight_ih, weight_hh, bias_ih, bias_hh$/,
    );
  });

  it("importTorchStateDict(a layer lacking one tensor) names the missing key", () => {
    expectImportError(
      without(charLstm(), "lstm.weight_hh_l1"),
      /'lstm\.weight_hh_l1' is missing: each of the 2 layers/,
    );
  });

  it("importTorchStateDict(two recurrent modules) names the second", () => {
    const dict = { ...charLstm(), ...recurrentModule("lstm2.", 4, 6, 6, 1) };
    expectImportError(dict, /'lstm2\.weight_ih_l0' belongs to a second recurrent module besides 'lstm'/);
  });

  it("importTorchStateDict(unknown key names) names the key and what is supported", () => {
    expectImportError(
      { ...charLstm(), "bn.running_mean": random([6]) },
      /unknown key 'bn\.running_mean': rnnlab imports/,
    );
    expectImportError({ ...charLstm(), "lstm.weight_ih": random([6]) }, /unknown key 'lstm\.weight_ih'/);
  });

  it("importTorchStateDict(no recurrent module) says none was found", () => {
    expectImportError({ "fc.weight": random([2, 3]), "fc.bias": random([2]) }, /no recurrent weights/);
  });

  it("importTorchStateDict(inconsistent recurrent shapes) names the key, its shape and the hidden size", () => {
    const dict = recurrentModule("rnn.", 3, 2, 4, 2);
    dict["rnn.weight_hh_l1"] = random([12, 3]);
    expectImportError(dict, "'rnn.weight_hh_l1' has shape [12,3] but hidden size is 4 (nn.GRU needs [12,4])");
    const badBias = recurrentModule("rnn.", 4, 2, 4, 1);
    badBias["rnn.bias_hh_l0"] = random([15]);
    expectImportError(badBias, /'rnn\.bias_hh_l0' has shape \[15\] but hidden size is 4/);
  });

  it("importTorchStateDict(weight_ih_l0 rows not 1, 3 or 4 times H) says which cells exist", () => {
    const dict = recurrentModule("rnn.", 2, 3, 4, 1);
    expectImportError(dict, /'rnn\.weight_ih_l0' has 8 rows, not 1, 3 or 4 times the hidden size 4/);
  });

  it("importTorchStateDict(embedding width != recurrent input size) names the embedding", () => {
    const dict = { ...charLstm(), "encoder.weight": random([11, 4]) };
    expectImportError(
      dict,
      /'encoder\.weight' \[11,4\] has no bias.*width 4 is not the recurrent input size 5/,
    );
  });

  it("importTorchStateDict(readout not from the hidden size, or without bias) throws", () => {
    expectImportError(
      { ...charLstm(), "fc.weight": random([11, 5]) },
      /'fc\.weight' \[11,5\] is an nn.Linear/,
    );
    expectImportError(
      without(charLstm(), "fc.bias"),
      /'fc\.weight' \[11,6\] has no bias.*readout without bias/,
    );
    expectImportError(
      { ...charLstm(), "fc.bias": random([10]) },
      /'fc\.bias' has shape \[10\], expected \[11\]/,
    );
    expectImportError(without(charLstm(), "fc.weight"), /'fc\.bias' has no matching weight/);
  });

  it("importTorchStateDict(two readouts or two embeddings) names the second", () => {
    const twoHeads = { ...charLstm(), "head2.weight": random([3, 6]), "head2.bias": random([3]) };
    expectImportError(twoHeads, /'head2\.weight' is a second nn.Linear besides 'fc\.weight'/);
    const twoEmbeddings = { ...charLstm(), "encoder2.weight": random([9, 5]) };
    expectImportError(twoEmbeddings, /'encoder2\.weight' is a second nn.Embedding besides 'encoder\.weight'/);
  });
});
