import { describe, expect, it } from "vitest";
import { firstSentence, verdictTable, wrap } from "../cli/lab-table.js";
import type { ClaimResult } from "../lab/types.js";

const formula = "y_T = σ(10·Σ_{i=1..T} (−1)^{T−i} x_i + 10·(−1)^{T} h_0) for every T (e.g. T = 3, 4)";
const results: ClaimResult[] = [
  { id: "Q1.recurrence", verdict: "holds", evidence: "Agrees. More.", correction: null, data: {} },
  {
    id: "Q1.output",
    verdict: "fails",
    evidence: "ignored",
    correction: `The output is ${formula}. Confirmed on 800 sequences.`,
    data: {},
  },
  {
    id: "Q4.exposure-bias",
    verdict: "inconclusive",
    evidence: "Too few seeds. More.",
    correction: null,
    data: {},
  },
];
const experiments = results.map((r) => ({
  id: r.id,
  question: "Q1" as const,
  title: `title of ${r.id}`,
  claim: "",
  cost: 1,
}));

describe("verdictTable(results, experiments, width)", () => {
  const table = verdictTable(results, experiments, 60);
  const lines = table.trimEnd().split("\n");

  it("gives each claim a row with its id, verdict and title", () => {
    expect(lines[0]).toMatch(/^Q1\.recurrence\s+holds\s+title of Q1\.recurrence$/);
    expect(table).toMatch(/Q4\.exposure-bias\s+inconclusive\s+title of Q4\.exposure-bias/);
  });

  it("keeps every line within the width and never cuts the formula", () => {
    for (const line of lines.slice(1)) expect(line.length).toBeLessThanOrEqual(60);
    const wrapped = lines
      .slice(2, -2)
      .map((l) => l.trim())
      .join(" ");
    expect(wrapped).toBe(`The output is ${formula}.`);
    expect(table).not.toContain("...");
  });

  it("adds no line under a claim that holds, and the evidence under one without a correction", () => {
    expect(lines[1]).toMatch(/^Q1\.output/);
    expect(lines.at(-1)?.trim()).toBe("Too few seeds.");
  });
});

describe("firstSentence(text)", () => {
  it("ends at the first '. ' outside brackets and abbreviations", () => {
    expect(firstSentence("A (e.g. T = 3. Or 4) b. C.")).toBe("A (e.g. T = 3. Or 4) b.");
    expect(firstSentence("Holds for x, e.g. 1. Then")).toBe("Holds for x, e.g. 1.");
    expect(firstSentence("no full stop")).toBe("no full stop");
  });
});

describe("wrap(text, width)", () => {
  it("breaks at spaces and gives an overlong word its own line", () => {
    expect(wrap("aa bb cc", 5)).toEqual(["aa bb", "cc"]);
    expect(wrap("a abcdefgh b", 4)).toEqual(["a", "abcdefgh", "b"]);
  });
});
