import { ConfigError, type Rng } from "../../src/index.js";

/** A tokenizer's vocabulary seen as words: a word is a token with a letter, so punctuation, the
 *  newline token and <unk> (id 0) are left out of samples, neighbour lists and ranks. */
export class Lexicon {
  private readonly ids: Map<string, number>;
  /** How many tokens are words. */
  readonly wordCount: number;

  constructor(readonly vocab: readonly string[]) {
    this.ids = new Map(vocab.map((w, i) => [w, i]));
    this.wordCount = vocab.filter((_, i) => this.isWord(i)).length;
  }

  get size(): number {
    return this.vocab.length;
  }

  has(token: string): boolean {
    return this.ids.has(token);
  }

  /** The id of a token of the vocabulary. */
  id(token: string): number {
    const id = this.ids.get(token);
    if (id === undefined) throw new ConfigError(`"${token}" is not in the vocabulary; check has() first`);
    return id;
  }

  isWord(id: number): boolean {
    return id > 0 && id < this.vocab.length && /\p{L}/u.test(this.vocab[id]);
  }

  /** Whether both tokens are words of the vocabulary. */
  hasWords(...tokens: string[]): boolean {
    return tokens.every((t) => this.has(t) && this.isWord(this.id(t)));
  }
}

/** `count` distinct words drawn at random (a partial Fisher–Yates shuffle), none of `exclude`. */
export function sampleWords(lexicon: Lexicon, exclude: readonly number[], count: number, rng: Rng): number[] {
  const pool = Array.from({ length: lexicon.size }, (_, i) => i).filter(
    (i) => lexicon.isWord(i) && !exclude.includes(i),
  );
  const drawn: number[] = [];
  for (let k = 0; k < Math.min(count, pool.length); k++) {
    const j = k + rng.int(pool.length - k);
    [pool[k], pool[j]] = [pool[j], pool[k]];
    drawn.push(pool[k]);
  }
  return drawn;
}
