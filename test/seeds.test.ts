import { describe, expect, it } from "vitest";
import { boundedInteger, decimalInteger, INTEGER_LIMITS, MAX_SEED } from "../cli/train/limits.js";
import { Rng } from "../src/random.js";
import { rnnlab } from "./helpers/cli.js";
import { trainSpec } from "./helpers/train-spec.js";

// Seeds: a derived seed past 2^32 (seed + 1, seed · 7919 + step) no longer wraps onto a small one,
// while every seed below 2^32 keeps its generator; integer flags are decimal digits only.

/** splitmix32 → xoshiro128** state as Rng built it before seeds past 2^32 were mixed (seed mod 2^32). */
function stateBefore(seed: number): number[] {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  return [next(), next(), next(), next()];
}

describe("Rng seeds", () => {
  it("a seed below 2^32 (and a negative one) gives the generator it gave before", () => {
    const rng = new Rng(11);
    const seeds = [0, 1, 2, 7919, 123456789, MAX_SEED - 1, MAX_SEED, -1, -5];
    for (let i = 0; i < 200; i++) seeds.push(rng.int(2 ** 31) * 2 + rng.int(2));
    for (const seed of seeds) expect(new Rng(seed).state()).toEqual(stateBefore(seed));
  });

  it("a derived seed past 2^32 lands on no smaller seed's generator, nor on another past 2^32", () => {
    const states = new Set<string>();
    for (const low of [0, 1, 2, 104729, MAX_SEED]) {
      for (const high of [0, 1, 2, 7918, 2 ** 20]) {
        const seed = high * 2 ** 32 + low;
        states.add(new Rng(seed).state().join(","));
        expect(new Rng(seed).state()).toEqual(new Rng(seed).state()); // deterministic
      }
    }
    expect(states.size).toBe(25);
    // the wraps issue 14 found: seed 2^32 − 1 plus 1 was seed 0, --seed 2^32 (refused now) was 0
    expect(new Rng(MAX_SEED + 1).state()).not.toEqual(new Rng(0).state());
    expect(new Rng(MAX_SEED * 7919 + 5).state()).not.toEqual(
      new Rng((MAX_SEED * 7919 + 5) % 2 ** 32).state(),
    );
    // the largest safe integer still gives a generator
    expect(new Rng(Number.MAX_SAFE_INTEGER).nextUint32()).toBeGreaterThanOrEqual(0);
  });
});

/** The spec of `rnnlab train ARGS` (with --steps 10), as the command builds it. */
const spec = (args: string[]) => trainSpec(["--steps", "10", ...args]);

const notDecimal = ["0x10", "0b11", "0o7", "1e3", " 5", "5 ", "+5", "5.0", "5.", "", "-0", "١٢"];

describe("integer flags take decimal digits only", () => {
  it("decimalInteger reads digits and nothing else", () => {
    expect(decimalInteger("16")).toBe(16);
    expect(decimalInteger("007")).toBe(7);
    for (const text of notDecimal) expect(decimalInteger(text)).toBeNaN();
  });

  it.each(Object.keys(INTEGER_LIMITS))(
    "%s: hex, exponents, signs, blanks and decimals are one line",
    (flag) => {
      const [min, max] = INTEGER_LIMITS[flag];
      const inRange = String(Math.min(max, Math.max(min, 16)));
      expect(boundedInteger(inRange, flag)).toBe(Number(inRange));
      for (const text of notDecimal) {
        expect(() => boundedInteger(text, flag)).toThrow(
          `${flag} must be an integer from ${min} to ${max}, got '${text}'`,
        );
      }
    },
  );

  it("the train flags read outside the table (--warmup, --lr-step-size, --proj-size) refuse them too", () => {
    expect(spec(["--warmup", "10"]).optimizer).toBeDefined();
    for (const text of ["0x10", "1e3", "+5", " 5"]) {
      expect(() => spec(["--warmup", text])).toThrow(`--warmup must be an integer >= 0, got '${text}'`);
      expect(() => spec(["--lr-schedule", "step", "--lr-step-size", text])).toThrow(
        `--lr-step-size must be an integer >= 1, got '${text}'`,
      );
      expect(() => spec(["--cell", "lstm", "--proj-size", text])).toThrow(
        `--proj-size must be an integer >= 0 (0: none), got '${text}'`,
      );
    }
  });

  it("--seed 0x10 is refused (it was read as 16): train's spec, and rnnlab sample --length 1e3 in one line, exit 2", () => {
    expect(() => spec(["--seed", "0x10"])).toThrow(
      "--seed must be an integer from 0 to 4294967295, got '0x10'",
    );
    const r = rnnlab(["sample", "nowhere.ckpt", "--length", "1e3"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("rnnlab: --length must be an integer from 1 to 1000000, got '1e3'\n");
  });
});
