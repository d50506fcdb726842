import { ConfigError } from "../errors.js";

/** Character vocabulary: the distinct code points of a text, sorted; token = index. */
export class CharVocab {
  private readonly index = new Map<string, number>();

  constructor(readonly chars: readonly string[]) {
    for (const [i, ch] of chars.entries()) this.index.set(ch, i);
  }

  static fromText(text: string): CharVocab {
    const chars = [...new Set(Array.from(text))].sort();
    if (chars.length < 2) throw new ConfigError("the text needs at least two distinct characters to model");
    return new CharVocab(chars);
  }

  get size(): number {
    return this.chars.length;
  }

  encode(text: string): Int32Array {
    return Int32Array.from(Array.from(text), (ch) => {
      const id = this.index.get(ch);
      if (id === undefined) throw new ConfigError(`character ${JSON.stringify(ch)} is not in the vocabulary`);
      return id;
    });
  }

  decode(tokens: ArrayLike<number>): string {
    return Array.from(tokens, (t) => this.chars[t]).join("");
  }
}
