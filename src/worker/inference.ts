import { Tokenizer } from "../data/tokenizer.js";
import { ConfigError, FormatError } from "../errors.js";
import { decodeCheckpoint } from "../io/checkpoint.js";
import { fromCheckpoint } from "../io/model-checkpoint.js";
import type { SequenceModel } from "../model/sequence-model.js";
import { Rng } from "../random.js";
import { sampleText } from "../train/trainer.js";
import type { GenerateOptions, LoadedInfo } from "./protocol.js";

// A checkpoint loaded for looking inside, not training: generation as `rnnlab sample` does it, and
// every hidden unit's value at every token of a text.

export class LoadedModel {
  private constructor(
    readonly model: SequenceModel,
    readonly tokenizer: Tokenizer,
    readonly step: number,
  ) {}

  /** A model and its tokenizer from checkpoint bytes (from `rnnlab train` or a training worker). */
  static fromBytes(bytes: Uint8Array): LoadedModel {
    const ckpt = decodeCheckpoint(bytes);
    if (ckpt.config.input.kind === "dense") {
      throw new FormatError(
        "the checkpoint's model reads dense inputs, not text: load a model of `rnnlab train`",
      );
    }
    const json = (ckpt.extra as { tokenizer?: unknown } | undefined)?.tokenizer;
    if (json === undefined) {
      throw new FormatError(
        "the checkpoint has no tokenizer, so it cannot read text: load one written by `rnnlab train`",
      );
    }
    const tokenizer = Tokenizer.fromJSON(json);
    const { model } = fromCheckpoint(ckpt);
    if (tokenizer.size !== model.config.outputSize) {
      throw new FormatError(
        `the checkpoint's tokenizer has ${tokenizer.size} tokens but its model predicts ${model.config.outputSize}: the file is inconsistent`,
      );
    }
    return new LoadedModel(model, tokenizer, ckpt.step);
  }

  info(): LoadedInfo {
    const { config } = this.model;
    return {
      cell: config.cell,
      hiddenSize: config.hiddenSize,
      layers: config.layers,
      vocabSize: this.tokenizer.size,
      tokenizer: this.tokenizer.kind,
      step: this.step,
      parameters: this.model.params.data.length,
    };
  }

  /** `options.prime` followed by `length` tokens drawn from the model, as `rnnlab sample` prints. */
  generate(options: GenerateOptions): string {
    const { prime, length, temperature, topK, seed } = options;
    const tokens = this.encode(prime);
    if (!Number.isInteger(length) || length < 1 || length > 100_000) {
      throw new ConfigError(`length must be an integer in [1, 100000], got ${length}`);
    }
    if (!(temperature > 0)) throw new ConfigError(`temperature must be > 0, got ${temperature}`);
    if (!Number.isInteger(topK) || topK < 0)
      throw new ConfigError(`top-k must be an integer >= 0, got ${topK}`);
    const drawn = sampleText(this.model, tokens, length, new Rng(seed), { temperature, topK });
    return prime + this.tokenizer.decode(drawn);
  }

  /** h_t of `layer` (default the top one) after each token of `text`: states [T×H], row t. */
  activations(
    text: string,
    layer = this.model.config.layers - 1,
  ): { tokens: string[]; states: Float32Array } {
    const { layers, hiddenSize: H } = this.model.config;
    if (!Number.isInteger(layer) || layer < 0 || layer >= layers) {
      throw new ConfigError(`layer must be an integer in [0, ${layers - 1}], got ${layer}`);
    }
    const tokens = this.encode(text);
    this.model.forward({ T: tokens.length, B: 1, tokens });
    // states h_0..h_T [(T+1)×H]: row t + 1 is the state after token t.
    const states = Float32Array.from(
      this.model.stack.hiddenStates(layer).subarray(H, (tokens.length + 1) * H),
    );
    return { tokens: Array.from(tokens, (token) => this.tokenizer.decode([token])), states };
  }

  private encode(text: string): Int32Array {
    if (typeof text !== "string" || text.length === 0) throw new ConfigError("give a non-empty text");
    const tokens = this.tokenizer.encode(text);
    if (tokens.length === 0) throw new ConfigError("the text has no tokens this model knows");
    if (tokens.length > 20_000)
      throw new ConfigError(`the text is ${tokens.length} tokens long: give at most 20000`);
    return tokens;
  }
}
