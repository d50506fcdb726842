// Seeded generator: xoshiro128** (Blackman & Vigna) on 32-bit integer arithmetic, seeded through
// splitmix32, so the same seed gives the same integers and uniforms on every JavaScript engine.
// Normals use Box-Muller (Math.log, Math.cos: bit-identical across machines within V8, which ships
// its own fdlibm port). The state is four uint32 words, saved in checkpoints.

export type RngState = [number, number, number, number];

/** The largest seed a user may give (a flag, a stored config). A generator's seed may be larger, as a
 *  seed derived from it (seed + 1, seed · 7919 + step) can be: see Rng's constructor. */
export const MAX_SEED = 0xffffffff;

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  private s: Uint32Array;

  /** A seed in [0, 2^32) seeds splitmix32 as is. A larger one (up to 2^53, a derived seed) does not
   *  wrap onto seed mod 2^32: each state word is also xored with a hash of seed / 2^32 (never 0 below
   *  2^53), so it lands on a smaller seed's state only by a 128-bit coincidence. Negative seeds are
   *  read mod 2^32. */
  constructor(seed = 0) {
    if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
    const next = splitmix32(seed);
    const high = seed > MAX_SEED ? splitmix32(Math.floor(seed / 2 ** 32))() : 0;
    this.s = new Uint32Array([next() ^ high, next() ^ high, next() ^ high, next() ^ high]);
  }

  static fromState(state: readonly number[]): Rng {
    if (state.length !== 4 || state.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new RangeError("RNG state must be four uint32 words");
    }
    if (state.every((w) => w === 0)) throw new RangeError("RNG state must not be all zero");
    const rng = new Rng(0);
    rng.s.set(state);
    return rng;
  }

  state(): RngState {
    return [this.s[0], this.s[1], this.s[2], this.s[3]];
  }

  /** Next uint32. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Uniform in [low, high). */
  uniformIn(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** Integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0x100000000)
      throw new RangeError(`int(n) needs 1 <= n <= 2^32, got ${n}`);
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** Standard normal by Box-Muller (one of the pair; no hidden cached state). */
  normal(): number {
    const u1 = 1 - this.uniform();
    const u2 = this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Index drawn from unnormalized non-negative weights. */
  categorical(weights: ArrayLike<number>, offset = 0, length = weights.length - offset): number {
    let total = 0;
    for (let i = 0; i < length; i++) total += weights[offset + i];
    let r = this.uniform() * total;
    for (let i = 0; i < length; i++) {
      r -= weights[offset + i];
      if (r < 0) return i;
    }
    return length - 1;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
