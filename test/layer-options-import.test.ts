import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { importTorchStateDict } from "../src/io/torch-import.js";
import { SequenceModel } from "../src/model/sequence-model.js";
import { Tensor } from "../src/tensor.js";
import { relativeError } from "./helpers/gradcheck.js";

// import-torch on the state dicts of the version-2 fixtures (bidirectional, proj_size, bias=False):
// the imported model, given the fixture's x, h0, c0 and lengths, gives PyTorch's output and h_n.

const dir = "test/fixtures/torch-v2";
const files = readdirSync(dir).filter((f) => f.endsWith(".json"));

describe("importTorchStateDict(a state dict with layer options)", () => {
  it.each(files)("%s: the imported model's output and h_n are PyTorch's", (file) => {
    const f = JSON.parse(readFileSync(`${dir}/${file}`, "utf8"));
    const dict: Record<string, Tensor> = {};
    for (const [name, nested] of Object.entries(f.params)) {
      dict[`encoder.rnn.${name}`] = Tensor.fromNested(nested, "float64");
    }
    const activation = f.arch === "rnn_relu" ? "relu" : "tanh";
    const { config, params } = importTorchStateDict(dict, { activation, dtype: "float64" });
    expect(config).toMatchObject({
      layers: f.num_layers,
      hiddenSize: f.hidden_size,
      input: { kind: "dense", size: f.input_size },
      outputSize: 0,
    });
    expect(config.bidirectional ?? false).toBe(f.bidirectional);
    expect(config.projSize ?? 0).toBe(f.proj_size);
    expect(config.bias ?? true).toBe(f.bias);
    const model = new SequenceModel(config);
    for (const [name, tensor] of Object.entries(params)) model.params.set(name, tensor);
    const read = (nested: unknown) => Tensor.fromNested(nested, "float64").data;
    const lengths = f.lengths ? Int32Array.from(f.lengths) : null;
    const initial = { h: read(f.h0), c: f.c0 ? read(f.c0) : undefined };
    const output = model.forward({ T: f.seq_len, B: f.batch, inputs: read(f.x), lengths }, initial);
    expect(relativeError(output, read(f.output))).toBeLessThan(1e-12);
    expect(relativeError(model.finalState().h, read(f.h_n))).toBeLessThan(1e-12);
  });
});
