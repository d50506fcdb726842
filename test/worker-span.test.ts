import { describe, expect, it } from "vitest";
import { findMatches, unitsOnInSpan } from "../src/worker/span.js";

// LSTMVis's span hypothesis (src/worker/span.ts) on hand-made states [T×H].

/** states [T×H] from one string per unit: "#" is 1 (on), "." is 0 (off), "+" is 0.5. */
function statesOf(...units: string[]): Float32Array {
  const T = units[0].length;
  const H = units.length;
  const states = new Float32Array(T * H);
  units.forEach((row, u) => {
    for (let t = 0; t < T; t++) states[t * H + u] = row[t] === "#" ? 1 : row[t] === "+" ? 0.5 : 0;
  });
  return states;
}

describe("unitsOnInSpan(states, H, { start, end, threshold, margin })", () => {
  //                   positions: 0123456789
  const states = statesOf(
    "..###.....", // on across 2..4, off around: fits
    ".####.....", // on at 1, inside the margin: does not fit with margin ≥ 1
    "..##......", // off at 4: does not fit
    "..#+#.....", // 0.5 at 3: fits for θ ≤ 0.5 only
    "##########", // on everywhere: never off around
  );
  const query = { start: 2, end: 4, threshold: 0.3, margin: 2 };

  it("keeps the units on at every position of the span and off at the margin's positions", () => {
    expect(unitsOnInSpan(states, 5, query)).toEqual([0, 3]);
    expect(unitsOnInSpan(states, 5, { ...query, threshold: 0.6 })).toEqual([0]);
  });

  it("with margin 0 asks nothing of the positions around", () => {
    expect(unitsOnInSpan(states, 5, { ...query, margin: 0 })).toEqual([0, 1, 3, 4]);
  });

  it("asks only for the positions that exist at the text's ends", () => {
    const edge = statesOf("##..", "###.");
    expect(unitsOnInSpan(edge, 2, { start: 0, end: 1, threshold: 0.5, margin: 3 })).toEqual([0]);
  });

  it("refuses a span outside the text and a negative margin with one line", () => {
    expect(() => unitsOnInSpan(states, 5, { ...query, end: 10 })).toThrow(
      /^the span must be tokens start..end with 0 <= start <= end < 10, got 2..10$/,
    );
    expect(() => unitsOnInSpan(states, 5, { ...query, start: 5 })).toThrow(/got 5..4$/);
    expect(() => unitsOnInSpan(states, 5, { ...query, margin: -1 })).toThrow(
      /^margin must be an integer >= 0/,
    );
  });
});

describe("findMatches(states, H, units, { threshold, length, limit, exclude })", () => {
  //                   positions: 0123456789012345678
  const states = statesOf(
    "###..####.#..####..", //
    "##+..#####.#.###...", //
  );

  it("finds the maximal runs where all the units are on, closest in length first", () => {
    const matches = findMatches(states, 2, [0, 1], { threshold: 0.3, length: 3, limit: 10 });
    expect(matches.map(({ start, end }) => [start, end])).toEqual([
      [13, 15], // length 3, strength 1
      [0, 2], // length 3, strength (1 + 1 + 0.5) / 3
      [5, 8], // length 4 (at 10, unit 1 is off)
    ]);
    expect(matches[1].strength).toBeCloseTo(2.5 / 3, 6);
  });

  it("needs every unit on, keeps `limit` matches and leaves out runs that overlap `exclude`", () => {
    const options = { threshold: 0.6, length: 3, limit: 2, exclude: { start: 14, end: 14 } };
    expect(findMatches(states, 2, [0, 1], options).map(({ start, end }) => [start, end])).toEqual([
      [0, 1],
      [5, 8],
    ]);
    expect(findMatches(states, 2, [], options)).toEqual([]);
  });

  it("closes a run at the end of the text", () => {
    const matches = findMatches(statesOf("..##"), 1, [0], { threshold: 0.5, length: 2, limit: 5 });
    expect(matches).toEqual([{ start: 2, end: 3, strength: 1 }]);
  });
});
