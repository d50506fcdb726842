import { describe, expect, it } from "vitest";
import { Rng } from "../src/random.js";

describe("Rng", () => {
  it("new Rng(seed) gives the same sequence for the same seed and a different one for another", () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const seqA = Array.from({ length: 20 }, () => a.nextUint32());
    expect(Array.from({ length: 20 }, () => b.nextUint32())).toEqual(seqA);
    expect(Array.from({ length: 20 }, () => c.nextUint32())).not.toEqual(seqA);
  });

  it("new Rng(seed).nextUint32() is xoshiro128** seeded by splitmix32 (checked against a BigInt version)", () => {
    for (const seed of [0, 1, 123456789, 0xffffffff]) {
      const rng = new Rng(seed);
      const reference = referenceXoshiro(seed);
      expect(Array.from({ length: 50 }, () => rng.nextUint32())).toEqual(
        Array.from({ length: 50 }, reference),
      );
    }
  });

  it("Rng.fromState(rng.state()) continues the same sequence", () => {
    const rng = new Rng(7);
    for (let i = 0; i < 10; i++) rng.normal();
    const copy = Rng.fromState(rng.state());
    expect(Array.from({ length: 10 }, () => copy.uniform())).toEqual(
      Array.from({ length: 10 }, () => rng.uniform()),
    );
  });

  it("uniform() has mean 1/2 and variance 1/12; normal() mean 0 and variance 1 (within 5 standard errors)", () => {
    const rng = new Rng(3);
    const n = 100_000;
    const u = Array.from({ length: n }, () => rng.uniform());
    const z = Array.from({ length: n }, () => rng.normal());
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = (xs: number[]) => {
      const m = mean(xs);
      return mean(xs.map((x) => (x - m) ** 2));
    };
    expect(Math.abs(mean(u) - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(variance(u) - 1 / 12)).toBeLessThan(0.002);
    expect(Math.abs(mean(z))).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(variance(z) - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(u.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it("int(n) covers 0..n-1 evenly", () => {
    const rng = new Rng(9);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[rng.int(6)]++;
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });

  it("Rng.fromState rejects a state that is not four uint32 words", () => {
    expect(() => Rng.fromState([1, 2, 3])).toThrow(/four uint32/);
    expect(() => Rng.fromState([0, 0, 0, 0])).toThrow(/all zero/);
  });
});

/** xoshiro128** and splitmix32 written from their definitions in BigInt arithmetic. */
function referenceXoshiro(seed: number): () => number {
  const M = 0xffffffffn;
  const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & M;
  let s = BigInt(seed) & M;
  const splitmix = () => {
    s = (s + 0x9e3779b9n) & M;
    let z = s;
    z = ((z ^ (z >> 16n)) * 0x85ebca6bn) & M;
    z = ((z ^ (z >> 13n)) * 0xc2b2ae35n) & M;
    return (z ^ (z >> 16n)) & M;
  };
  const st = [splitmix(), splitmix(), splitmix(), splitmix()];
  return () => {
    const result = (rotl((st[1] * 5n) & M, 7n) * 9n) & M;
    const t = (st[1] << 9n) & M;
    st[2] ^= st[0];
    st[3] ^= st[1];
    st[1] ^= st[2];
    st[0] ^= st[3];
    st[2] ^= t;
    st[3] = rotl(st[3], 11n);
    return Number(result);
  };
}
