import { Tokenizer } from "../data/tokenizer.js";
import { ConfigError, FormatError } from "../errors.js";
import { decodeCheckpoint } from "../io/checkpoint.js";
import { fromCheckpoint } from "../io/model-checkpoint.js";
import { stateWidthOf } from "../model/config.js";
import type { SequenceModel } from "../model/sequence-model.js";
import type { StackState } from "../model/stack.js";
import { Rng } from "../random.js";
import { sampleText } from "../train/trainer.js";
import { InputSensitivity } from "./connectivity.js";
import type {
  ConnectivityResult,
  GenerateOptions,
  HypothesisResult,
  LoadedInfo,
  SpanRequest,
} from "./protocol.js";
import { findMatches, unitsOnInSpan } from "./span.js";

// A checkpoint loaded for looking inside, not training: generation as `rnnlab sample` does it,
// every hidden unit's value at every token of a text, LSTMVis's span hypotheses tested on a corpus,
// and the connectivity ‖∂L_t/∂x_s‖.

/** The corpus a hypothesis is searched in is cut to this many tokens (a forward pass over them). */
export const CORPUS_TOKENS = 100_000;
/** Tokens per forward pass over the corpus, the state carried from one to the next. */
const CHUNK = 1024;
/** Tokens of context shown on each side of a match, and matches listed. */
const CONTEXT = 30;
const MATCHES = 8;

export class LoadedModel {
  private corpus: { tokens: Int32Array; states: Map<number, Float32Array> } | null = null;
  private sensitivity: InputSensitivity | null = null;

  private constructor(
    readonly model: SequenceModel,
    readonly tokenizer: Tokenizer,
    readonly step: number,
  ) {
    model.eval(); // inference only: no dropout, zoneout at its expectation
  }

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
    if (ckpt.config.bidirectional) {
      throw new ConfigError(
        "the checkpoint's model is bidirectional: generation and these views read text left to right, and its reverse direction reads the tokens still to come; load a one-direction model",
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
      stateSize: stateWidthOf(config),
      layers: config.layers,
      vocabSize: this.tokenizer.size,
      tokenizer: this.tokenizer.kind,
      step: this.step,
      parameters: this.model.params.data.length,
    };
  }

  /** `options.prime` followed by `length` tokens drawn from the model, as `rnnlab sample` prints. */
  generate(options: GenerateOptions): string {
    const { prime, length, temperature, topK, topP = 1, seed } = options;
    const tokens = this.encode(prime);
    if (!Number.isInteger(length) || length < 1 || length > 100_000) {
      throw new ConfigError(`length must be an integer in [1, 100000], got ${length}`);
    }
    if (!(temperature > 0)) throw new ConfigError(`temperature must be > 0, got ${temperature}`);
    if (!Number.isInteger(topK) || topK < 0)
      throw new ConfigError(`top-k must be an integer >= 0, got ${topK}`);
    if (!(topP > 0 && topP <= 1)) throw new ConfigError(`top-p must be in (0, 1], got ${topP}`);
    const drawn = sampleText(this.model, tokens, length, new Rng(seed), { temperature, topK, topP });
    return prime + this.tokenizer.decode(drawn);
  }

  /** h_t of `layer` (default the top one) after each token of `text`: states [T×H_out], row t
   *  (H_out = projSize under an LSTM projection, else H). */
  activations(
    text: string,
    layer = this.model.config.layers - 1,
  ): { tokens: string[]; states: Float32Array } {
    const { layers } = this.model.config;
    const H = stateWidthOf(this.model.config);
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

  /** The text hypotheses are searched in (its first CORPUS_TOKENS tokens); without one, the prompt. */
  setCorpus(text: string): void {
    const tokens = this.tokenizer.encode(typeof text === "string" ? text : "");
    if (tokens.length < 2) throw new ConfigError("the corpus has no tokens this model knows");
    this.corpus = { tokens: tokens.subarray(0, CORPUS_TOKENS), states: new Map() };
  }

  /** LSTMVis's span hypothesis on `text`: the units of `layer` on across tokens start..end and off
   *  around them, and the best places of the corpus (or of the text) where they are all on. */
  hypothesis(text: string, request: SpanRequest): HypothesisResult {
    const { layer, start, end, threshold, margin } = request;
    const { states } = this.activations(text, layer);
    const H = stateWidthOf(this.model.config);
    const units = unitsOnInSpan(states, H, { start, end, threshold, margin });
    const inText = this.corpus === null;
    const tokens = this.corpus?.tokens ?? this.encode(text);
    const searched = inText ? states : this.corpusStates(layer);
    const options = {
      threshold,
      length: end - start + 1,
      limit: MATCHES,
      exclude: inText ? { start, end } : undefined,
    };
    const matches = findMatches(searched, H, units, options).map((match) => ({
      ...match,
      before: this.tokenizer.decode(tokens.subarray(Math.max(0, match.start - CONTEXT), match.start)),
      text: this.tokenizer.decode(tokens.subarray(match.start, match.end + 1)),
      after: this.tokenizer.decode(tokens.subarray(match.end + 1, match.end + 1 + CONTEXT)),
    }));
    return { units, matches, searched: inText ? "text" : "corpus", searchedTokens: tokens.length };
  }

  /** ‖∂L_t/∂x_s‖ for s = 0..t of `text`, L_t the loss of predicting token t + 1 (connectivity.ts). */
  connectivity(text: string, position: number): ConnectivityResult {
    const tokens = this.encode(text);
    this.sensitivity ??= new InputSensitivity(this.model);
    const norms = this.sensitivity.norms(tokens, position);
    const decoded = Array.from(tokens, (token) => this.tokenizer.decode([token]));
    return { tokens: decoded, norms, target: decoded[position + 1] };
  }

  /** h_t of `layer` after each token of the corpus [T×H_out], computed once per layer. */
  private corpusStates(layer: number): Float32Array {
    const corpus = this.corpus as NonNullable<typeof this.corpus>;
    const cached = corpus.states.get(layer);
    if (cached) return cached;
    const H = stateWidthOf(this.model.config);
    const { tokens } = corpus;
    const states = new Float32Array(tokens.length * H);
    let carried: StackState | null = null;
    for (let from = 0; from < tokens.length; from += CHUNK) {
      const chunk = tokens.subarray(from, from + CHUNK);
      this.model.forward({ T: chunk.length, B: 1, tokens: chunk }, carried);
      states.set(this.model.stack.hiddenStates(layer).subarray(H, (chunk.length + 1) * H), from * H);
      carried = this.model.finalState(carried ?? undefined);
    }
    corpus.states.set(layer, states);
    return states;
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
