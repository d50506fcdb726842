import { describe, expect, it } from "vitest";
import { features, pearson, rankUnits } from "../web/src/units.js";

// The web lab's ranking of hidden units by the text features they follow (web/src/units.ts).

describe("pearson(x, y)", () => {
  it("is 1 for a line, -1 for a falling one, 0 against a constant", () => {
    expect(pearson([1, 2, 3, 4], [3, 5, 7, 9])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(pearson([1, 2, 3, 4], [2, 2, 2, 2])).toBe(0);
  });
});

describe("rankUnits(states, tokens, H)", () => {
  it("puts a unit that counts the position in the line first, and one inside brackets second", () => {
    const tokens = [..."ab (cd)\nefg\nh(ij)k\n"];
    const column = features(tokens);
    const position = column.get("position in line")!;
    const brackets = column.get("inside brackets")!;
    const H = 3;
    const states = new Float32Array(tokens.length * H);
    tokens.forEach((_, t) => {
      states[t * H] = Math.sin(7 * t) * 0.1; // noise
      states[t * H + 1] = -0.5 * brackets[t] + 0.1 * Math.cos(t); // mostly brackets, inverted
      states[t * H + 2] = position[t] / 10;
    });
    const ranked = rankUnits(states, tokens, H);
    expect(ranked.map((u) => u.unit)).toEqual([2, 1, 0]);
    expect(ranked[0]).toMatchObject({ feature: "position in line" });
    expect(ranked[0].r).toBeCloseTo(1, 6);
    expect(ranked[1].feature).toBe("inside brackets");
    expect(ranked[1].r).toBeLessThan(-0.9);
  });

  it("leaves out features that do not vary in the text", () => {
    expect([...features([..."aaaa"]).keys()]).toEqual(["position in line"]);
  });
});
