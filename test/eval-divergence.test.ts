import { describe, expect, it } from "vitest";
import { ShapeError } from "../src/errors.js";
import { klDivergence, logSoftmax } from "../src/eval/divergence.js";

describe("logSoftmax(logits, offset, V, out)", () => {
  it("logSoftmax([0, ln 3]) = [ln 1/4, ln 3/4]", () => {
    const out = logSoftmax([0, Math.log(3)], 0, 2, new Float64Array(2));
    expect(out[0]).toBeCloseTo(Math.log(0.25), 14);
    expect(out[1]).toBeCloseTo(Math.log(0.75), 14);
  });

  it("logSoftmax reads the row at offset and writes only V entries", () => {
    const out = new Float64Array([7, 7, 7]);
    logSoftmax([100, 100, 1, 1, 100], 2, 2, out);
    expect(out[0]).toBeCloseTo(Math.log(0.5), 14);
    expect(out[1]).toBeCloseTo(Math.log(0.5), 14);
    expect(out[2]).toBe(7);
  });

  it("logSoftmax of logits near 1000 stays finite (exp(1000) overflows; the maximum is subtracted first)", () => {
    const out = logSoftmax([1000, 1000 - Math.log(3)], 0, 2, new Float64Array(2));
    expect(out[0]).toBeCloseTo(Math.log(0.75), 12);
    expect(out[1]).toBeCloseTo(Math.log(0.25), 12);
  });
});

describe("klDivergence(p, logq)", () => {
  it("klDivergence(p, log p) = 0", () => {
    const p = [0.2, 0.3, 0.5];
    expect(klDivergence(p, p.map(Math.log))).toBe(0);
  });

  it("klDivergence([1/2, 1/2], log [1/4, 3/4]) = ½ ln 2 + ½ ln(2/3)", () => {
    const kl = klDivergence([0.5, 0.5], [Math.log(0.25), Math.log(0.75)]);
    expect(kl).toBeCloseTo(0.5 * Math.log(2) + 0.5 * Math.log(2 / 3), 14);
  });

  it("klDivergence counts 0·log(0/q) as 0, also where q = 0 (log q = −∞)", () => {
    const kl = klDivergence([0, 1, 0], [Math.log(0.5), Math.log(0.5), Number.NEGATIVE_INFINITY]);
    expect(kl).toBeCloseTo(Math.log(2), 14);
  });

  it("klDivergence is +∞ where p > 0 and q = 0", () => {
    expect(klDivergence([0.5, 0.5], [0, Number.NEGATIVE_INFINITY])).toBe(Number.POSITIVE_INFINITY);
  });

  it("klDivergence clamps round-off below 0 to 0", () => {
    const p = [1 / 3, 1 / 3, 1 / 3];
    expect(klDivergence(p, [Math.log(1 / 3) + 1e-17, Math.log(1 / 3) + 1e-16, Math.log(1 / 3)])).toBe(0);
  });

  it("klDivergence(p, logq of another length) throws a ShapeError naming both lengths", () => {
    expect(() => klDivergence([0.5, 0.5], [0, 0, 0])).toThrow(ShapeError);
    expect(() => klDivergence([0.5, 0.5], [0, 0, 0])).toThrow(/2 entries but log q has 3/);
  });
});
