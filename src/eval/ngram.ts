// An n-gram language model over token ids 0..V−1 with full-support smoothing (every token has a
// positive probability in every context), used as a known "true" distribution: an oracle that
// generates text, whose next-token distribution a trained model can be compared with exactly.
//
// Storage is a suffix trie of contexts. Node 0 is the empty context; the child of node p by token a
// is the context one token longer reaching further back: if p stands for (c_{−j}, …, c_{−1}), the
// child stands for (a, c_{−j}, …, c_{−1}). Walking back from the newest token therefore visits the
// contexts of every order at once, which is exactly what back-off and interpolation need. Children
// are found through one Map keyed by parent·V + a; each node's continuation counts are a sorted
// sparse list in parallel typed arrays (tokens, counts), so the model is compact and serializes as
// plain arrays.

import { ConfigError, FormatError, ShapeError } from "../errors.js";
import type { Rng } from "../random.js";

/** `witten-bell` (default): interpolated Witten-Bell down to the uniform distribution,
 *  P(w|h) = (c(h,w) + N₁₊(h·)·P(w|h′)) / (c(h) + N₁₊(h·)), h′ = h without its oldest token,
 *  P(w|∅′) = 1/V. `add-k`: (c(h,w) + k) / (c(h) + k·V) on the longest context h seen in training. */
export type NGramSmoothing = "witten-bell" | "add-k";

export interface NGramOptions {
  smoothing?: NGramSmoothing;
  /** The add-k constant (add-k smoothing only), > 0; default 1. */
  k?: number;
}

/** toJSON()'s form: the trie (parent, token per node; node 0 is the root, −1 −1) and the counts,
 *  node i's continuations being next/count[start[i] .. start[i+1]). */
export interface NGramJSON {
  kind: "rnnlab-ngram";
  version: 1;
  n: number;
  V: number;
  smoothing: NGramSmoothing;
  k: number;
  parent: number[];
  token: number[];
  start: number[];
  next: number[];
  count: number[];
}

export class NGramModel {
  /** The order: a distribution conditions on the last n − 1 tokens. */
  readonly n: number;
  /** Vocabulary size: tokens are 0..V−1. */
  readonly V: number;
  readonly smoothing: NGramSmoothing;
  readonly k: number;
  private readonly children: Map<number, number>;
  private readonly parentOf: Int32Array;
  private readonly tokenOf: Int32Array;
  private readonly start: Int32Array;
  private readonly next: Int32Array;
  private readonly counts: Float64Array;
  /** c(h): how many times context h was followed by a token. */
  private readonly totals: Float64Array;
  /** N₁₊(h·): how many distinct tokens followed h. */
  private readonly types: Int32Array;
  private readonly path: Int32Array;

  private constructor(
    n: number,
    V: number,
    smoothing: NGramSmoothing,
    k: number,
    parentOf: Int32Array,
    tokenOf: Int32Array,
    start: Int32Array,
    next: Int32Array,
    counts: Float64Array,
  ) {
    this.n = n;
    this.V = V;
    this.smoothing = smoothing;
    this.k = k;
    this.parentOf = parentOf;
    this.tokenOf = tokenOf;
    this.start = start;
    this.next = next;
    this.counts = counts;
    const nodes = parentOf.length;
    this.children = new Map();
    for (let i = 1; i < nodes; i++) this.children.set(parentOf[i] * V + tokenOf[i], i);
    this.totals = new Float64Array(nodes);
    this.types = new Int32Array(nodes);
    for (let i = 0; i < nodes; i++) {
      let total = 0;
      for (let e = start[i]; e < start[i + 1]; e++) total += counts[e];
      this.totals[i] = total;
      this.types[i] = start[i + 1] - start[i];
    }
    this.path = new Int32Array(n);
  }

  /** Counts every m-gram (m = 1..n) of `tokens`, the first tokens with their shorter histories. */
  static fit(tokens: Int32Array, n: number, V: number, options: NGramOptions = {}): NGramModel {
    const { smoothing, k } = checkOptions(n, V, options);
    if (tokens.length < 1) throw new ShapeError("the n-gram model needs at least one token to fit");
    for (let i = 0; i < tokens.length; i++) {
      const x = tokens[i];
      if (!Number.isInteger(x) || x < 0 || x >= V)
        throw new ShapeError(`token ${x} at position ${i} is outside 0..${V - 1}`);
    }
    if ((tokens.length * (n - 1) + 1) * V > Number.MAX_SAFE_INTEGER)
      throw new ConfigError(`the n-gram model cannot index ${tokens.length} tokens with n = ${n}, V = ${V}`);
    const children = new Map<number, number>();
    const parent: number[] = [-1];
    const first: number[] = [-1];
    // (node, token) → count while counting; key node·V + token.
    const pairs = new Map<number, number>();
    for (let i = 0; i < tokens.length; i++) {
      let node = 0;
      for (let j = 0; ; j++) {
        const key = node * V + tokens[i];
        pairs.set(key, (pairs.get(key) ?? 0) + 1);
        if (j === n - 1 || j === i) break;
        const a = tokens[i - j - 1];
        const childKey = node * V + a;
        let child = children.get(childKey);
        if (child === undefined) {
          child = parent.length;
          children.set(childKey, child);
          parent.push(node);
          first.push(a);
        }
        node = child;
      }
    }
    const keys = Float64Array.from(pairs.keys()).sort();
    const nodes = parent.length;
    const start = new Int32Array(nodes + 1);
    const next = new Int32Array(keys.length);
    const counts = new Float64Array(keys.length);
    for (let e = 0; e < keys.length; e++) {
      const key = keys[e];
      const node = Math.floor(key / V);
      next[e] = key - node * V;
      counts[e] = pairs.get(key) as number;
      start[node + 1]++;
    }
    for (let i = 0; i < nodes; i++) start[i + 1] += start[i];
    return new NGramModel(
      n,
      V,
      smoothing,
      k,
      Int32Array.from(parent),
      Int32Array.from(first),
      start,
      next,
      counts,
    );
  }

  /** Number of distinct contexts stored (all orders, the empty one included). */
  get contextCount(): number {
    return this.parentOf.length;
  }

  /** Number of stored (context, next token) pairs. */
  get entryCount(): number {
    return this.next.length;
  }

  /** The raw training count of `token` right after exactly `context` (all of it, at most n − 1
   *  tokens; 0 when never seen). */
  count(context: ArrayLike<number>, token: number): number {
    const node = this.exactNode(context);
    if (node < 0) return 0;
    for (let e = this.start[node]; e < this.start[node + 1]; e++)
      if (this.next[e] === token) return this.counts[e];
    return 0;
  }

  /** How many times exactly `context` was followed by a token in training (0 when never seen). */
  total(context: ArrayLike<number>): number {
    const node = this.exactNode(context);
    return node < 0 ? 0 : this.totals[node];
  }

  /** Writes P(· | context) into out[0..V): the next-token distribution given the last n − 1 tokens
   *  of `context` (fewer at the start of a text: the model backs off to the contexts it has).
   *  Every entry is positive and they sum to 1. Returns `out`. */
  distribution(context: ArrayLike<number>, out: Float64Array): Float64Array {
    const V = this.V;
    if (out.length < V)
      throw new ShapeError(`distribution needs an output of length V = ${V}, got ${out.length}`);
    const depth = this.walk(context);
    const path = this.path;
    if (this.smoothing === "add-k") {
      const node = path[depth];
      const denominator = this.totals[node] + this.k * V;
      out.fill(this.k / denominator, 0, V);
      for (let e = this.start[node]; e < this.start[node + 1]; e++)
        out[this.next[e]] = (this.counts[e] + this.k) / denominator;
      return out;
    }
    out.fill(1 / V, 0, V);
    for (let j = 0; j <= depth; j++) {
      const node = path[j];
      const types = this.types[node];
      const denominator = this.totals[node] + types;
      if (denominator === 0) continue;
      const backoff = types / denominator;
      for (let v = 0; v < V; v++) out[v] *= backoff;
      for (let e = this.start[node]; e < this.start[node + 1]; e++)
        out[this.next[e]] += this.counts[e] / denominator;
    }
    return out;
  }

  /** Σ log P(tokens[i] | tokens[..i]) over i = start..length−1, in nats: the tokens before `start`
   *  are context only. */
  logProb(tokens: ArrayLike<number>, start = 0): number {
    if (!Number.isInteger(start) || start < 0 || start > tokens.length)
      throw new ShapeError(`logProb start ${start} is outside 0..${tokens.length}`);
    const seq = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) {
      const x = tokens[i];
      if (!Number.isInteger(x) || x < 0 || x >= this.V)
        throw new ShapeError(`token ${x} at position ${i} is outside 0..${this.V - 1}`);
      seq[i] = x;
    }
    const probs = new Float64Array(this.V);
    let sum = 0;
    for (let i = start; i < seq.length; i++) {
      this.distribution(seq.subarray(Math.max(0, i - this.n + 1), i), probs);
      sum += Math.log(probs[seq[i]]);
    }
    return sum;
  }

  /** `length` tokens sampled one after another, each from P(· | prefix and the tokens so far).
   *  Returns only the new tokens. */
  sample(length: number, rng: Rng, prefix: ArrayLike<number> = []): Int32Array {
    if (!Number.isInteger(length) || length < 0)
      throw new ConfigError(`sample length must be a non-negative integer, got ${length}`);
    const keep = this.n - 1;
    const history = new Int32Array(prefix.length + length);
    for (let i = 0; i < prefix.length; i++) history[i] = prefix[i];
    const probs = new Float64Array(this.V);
    for (let i = prefix.length; i < history.length; i++) {
      this.distribution(history.subarray(Math.max(0, i - keep), i), probs);
      history[i] = rng.categorical(probs, 0, this.V);
    }
    return history.slice(prefix.length);
  }

  toJSON(): NGramJSON {
    return {
      kind: "rnnlab-ngram",
      version: 1,
      n: this.n,
      V: this.V,
      smoothing: this.smoothing,
      k: this.k,
      parent: Array.from(this.parentOf),
      token: Array.from(this.tokenOf),
      start: Array.from(this.start),
      next: Array.from(this.next),
      count: Array.from(this.counts),
    };
  }

  static fromJSON(json: unknown): NGramModel {
    const bad = (what: string): never => {
      throw new FormatError(`not an rnnlab n-gram model: ${what}`);
    };
    if (typeof json !== "object" || json === null) return bad("expected an object");
    const o = json as Partial<NGramJSON>;
    if (o.kind !== "rnnlab-ngram" || o.version !== 1) return bad(`kind ${o.kind}, version ${o.version}`);
    const ints = (name: keyof NGramJSON, min: number): Int32Array => {
      const a = o[name];
      if (!Array.isArray(a) || a.some((x) => !Number.isInteger(x) || x < min)) return bad(`field "${name}"`);
      return Int32Array.from(a as number[]);
    };
    const n = o.n as number;
    const V = o.V as number;
    const { smoothing, k } = (() => {
      try {
        return checkOptions(n, V, { smoothing: o.smoothing, k: o.k });
      } catch (e) {
        return bad((e as Error).message);
      }
    })();
    const parent = ints("parent", -1);
    const token = ints("token", -1);
    const start = ints("start", 0);
    const next = ints("next", 0);
    if (!Array.isArray(o.count) || o.count.some((x) => typeof x !== "number" || !(x > 0)))
      return bad('field "count"');
    const counts = Float64Array.from(o.count);
    const nodes = parent.length;
    if (nodes < 1 || token.length !== nodes || start.length !== nodes + 1 || parent[0] !== -1)
      return bad("trie arrays of inconsistent lengths");
    if (start[0] !== 0 || start[nodes] !== next.length || counts.length !== next.length)
      return bad("count arrays of inconsistent lengths");
    for (let i = 0; i < nodes; i++) if (start[i + 1] < start[i]) return bad("decreasing offsets");
    for (let i = 1; i < nodes; i++)
      if (parent[i] < 0 || parent[i] >= i || token[i] < 0 || token[i] >= V) return bad(`trie node ${i}`);
    for (let e = 0; e < next.length; e++) if (next[e] >= V) return bad(`token ${next[e]} >= V`);
    return new NGramModel(n, V, smoothing, k, parent, token, start, next, counts);
  }

  /** Fills this.path[0..depth] with the nodes of the context's suffixes of length 0..depth (the
   *  longest stored, at most n − 1); returns depth. */
  private walk(context: ArrayLike<number>): number {
    const len = context.length;
    const V = this.V;
    let node = 0;
    let depth = 0;
    this.path[0] = 0;
    for (let j = 1; j < this.n && j <= len; j++) {
      const a = context[len - j];
      if (!(a >= 0 && a < V && Number.isInteger(a)))
        throw new ShapeError(`context token ${a} is outside 0..${V - 1}`);
      const child = this.children.get(node * V + a);
      if (child === undefined) break;
      node = child;
      this.path[++depth] = node;
    }
    return depth;
  }

  private exactNode(context: ArrayLike<number>): number {
    if (context.length > this.n - 1) return -1;
    return this.walk(context) === context.length ? this.path[context.length] : -1;
  }
}

function checkOptions(n: number, V: number, options: NGramOptions): { smoothing: NGramSmoothing; k: number } {
  if (!Number.isInteger(n) || n < 1)
    throw new ConfigError(`n-gram order n must be an integer >= 1, got ${n}`);
  if (!Number.isInteger(V) || V < 1)
    throw new ConfigError(`vocabulary size V must be an integer >= 1, got ${V}`);
  const smoothing = options.smoothing ?? "witten-bell";
  if (smoothing !== "witten-bell" && smoothing !== "add-k")
    throw new ConfigError(`n-gram smoothing must be "witten-bell" or "add-k", got ${String(smoothing)}`);
  const k = options.k ?? 1;
  if (!(Number.isFinite(k) && k > 0)) throw new ConfigError(`add-k constant k must be > 0, got ${k}`);
  return { smoothing, k };
}
