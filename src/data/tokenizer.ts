import { ConfigError, FormatError } from "../errors.js";

/** Token 0 of every vocabulary: anything the training text did not contain. */
export const UNKNOWN = "<unk>";

export type TokenizerKind = "char" | "word";

/** What a checkpoint stores to rebuild the tokenizer. */
export interface TokenizerJSON {
  kind: TokenizerKind;
  vocab: string[];
}

/** Maps text to token ids and back over a fixed vocabulary. A vocabulary built from text starts
 *  with UNKNOWN; one brought in with an imported model (`import-torch --vocab`) may have no UNKNOWN,
 *  and then encoding a piece outside it is an error. */
export class Tokenizer {
  private readonly index = new Map<string, number>();
  /** The id of UNKNOWN, or −1 when the vocabulary has none. */
  readonly unknown: number;

  constructor(
    readonly kind: TokenizerKind,
    readonly vocab: readonly string[],
  ) {
    if (vocab.length < 2) throw new FormatError("a vocabulary needs at least two tokens");
    for (const [i, piece] of vocab.entries()) {
      if (this.index.has(piece)) throw new FormatError(`the vocabulary lists ${JSON.stringify(piece)} twice`);
      this.index.set(piece, i);
    }
    this.unknown = this.index.get(UNKNOWN) ?? -1;
  }

  /** Characters: every code point of the text. Words: runs of letters, digits and apostrophes, each
   *  other non-space character, and newlines; the `maxVocab − 1` most frequent, the rest UNKNOWN. */
  static fromText(kind: TokenizerKind, text: string, maxVocab = 10_000): Tokenizer {
    if (!Number.isInteger(maxVocab) || maxVocab < 3)
      throw new ConfigError(`maxVocab must be an integer >= 3, got ${maxVocab}`);
    const counts = new Map<string, number>();
    for (const piece of split(kind, text)) counts.set(piece, (counts.get(piece) ?? 0) + 1);
    counts.delete(UNKNOWN);
    if (counts.size < 2) throw new ConfigError("the text needs at least two distinct tokens to model");
    const pieces = [...counts.keys()];
    if (kind === "char") pieces.sort();
    else pieces.sort((a, b) => (counts.get(b) as number) - (counts.get(a) as number) || (a < b ? -1 : 1));
    return new Tokenizer(kind, [UNKNOWN, ...pieces.slice(0, maxVocab - 1)]);
  }

  static fromJSON(json: unknown): Tokenizer {
    const j = json as Partial<TokenizerJSON> | null;
    if (
      !j ||
      (j.kind !== "char" && j.kind !== "word") ||
      !Array.isArray(j.vocab) ||
      !j.vocab.every((v) => typeof v === "string")
    ) {
      throw new FormatError('a tokenizer must be {"kind": "char" | "word", "vocab": [strings]}');
    }
    return new Tokenizer(j.kind, j.vocab);
  }

  toJSON(): TokenizerJSON {
    return { kind: this.kind, vocab: [...this.vocab] };
  }

  get size(): number {
    return this.vocab.length;
  }

  encode(text: string): Int32Array {
    const pieces = split(this.kind, text);
    return Int32Array.from(pieces, (piece) => this.index.get(piece) ?? this.unknownId(piece));
  }

  private unknownId(piece: string): number {
    if (this.unknown >= 0) return this.unknown;
    throw new FormatError(
      `the text holds ${JSON.stringify(piece)}, which the vocabulary lacks (it has no ${UNKNOWN} token): use text of the vocabulary's tokens`,
    );
  }

  decode(tokens: ArrayLike<number>): string {
    const decoder = new ChunkDecoder(this);
    return decoder.push(tokens) + decoder.end();
  }
}

/** Decodes tokens a chunk at a time into exactly the text Tokenizer.decode gives for all of them at
 *  once: a word tokenizer's spacing carries across chunks, and a chunk's trailing high surrogate
 *  waits for the next, so each piece of text returned is whole UTF-16 (and encodes to UTF-8 alone). */
export class ChunkDecoder {
  /** Whether any text has been produced, and whether it ends with a newline: the word glue's state. */
  private started = false;
  private afterNewline = false;
  private held = "";

  constructor(private readonly tokenizer: Tokenizer) {}

  /** The text of `tokens`, after that of the earlier chunks. */
  push(tokens: ArrayLike<number>): string {
    const { kind, unknown, vocab } = this.tokenizer;
    let text = this.held;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      const piece = t === unknown ? (kind === "char" ? "\uFFFD" : UNKNOWN) : vocab[t];
      const next = kind === "char" ? (piece ?? "") : this.glue(piece) + piece;
      if (next === "") continue;
      text += next;
      this.started = true;
      this.afterNewline = next.endsWith("\n");
    }
    const last = text.charCodeAt(text.length - 1);
    const highSurrogate = last >= 0xd800 && last <= 0xdbff;
    this.held = highSurrogate ? text.slice(-1) : "";
    return highSurrogate ? text.slice(0, -1) : text;
  }

  /** What is held back (a lone trailing high surrogate), at the end of the text. */
  end(): string {
    const rest = this.held;
    this.held = "";
    return rest;
  }

  /** Words are joined by a space, except at the start, after a newline, and before a newline or
   *  closing punctuation. */
  private glue(piece: string): string {
    return !this.started || this.afterNewline || piece === "\n" || /^[.,;:!?')\]]$/.test(piece) ? "" : " ";
  }
}

const WORD = /[\p{L}\p{N}']+|\n|[^\s\p{L}\p{N}']/gu;

function split(kind: TokenizerKind, text: string): string[] {
  return kind === "char" ? Array.from(text) : (text.match(WORD) ?? []);
}
