import { describe, expect, it } from "vitest";
import { cloneWired } from "../lab/wired/net.js";
import { applyEdits, encodeEdits, paramsOf } from "../web/src/network-params.js";
import { presets } from "../web/src/network-presets.js";
import { checkQ1, Q1_CORRECTED_CLAIM, Q1_SEED_CLAIM } from "../web/src/network-q1.js";
import { parseSequence, sequenceText } from "../web/src/network-sequence.js";
import { queryOf, setupFromQuery } from "../web/src/network-url.js";

// The network view's pure parts (web/src/network-*.ts): Q1's numerical check, the weight edits as
// the URL carries them, the input sequence as typed.

describe("the Q1 presets' check (checkQ1)", () => {
  const net = presets["q1-seed"].net();

  it("finds the seed's closed form wrong at x = 1: h_1 = 1 where Σ (−1)^i x_i + h_0 gives −1", () => {
    const report = checkQ1(net, Q1_SEED_CLAIM, 6);
    expect(report.sequences).toBe(4 + 16 + 64 + 256 + 1024 + 4096);
    expect(report.first).toEqual({ digits: [1], unit: "h", got: 1, want: -1 });
    expect(presets["q1-seed"].check.run(net, 6).verdict).toMatch(
      /^counterexample: 1 gives \$h_\{1\}\$ = 1, where \$h_T = \\sum_\{i=1\}\^\{T\} \(-1\)\^\{i\} x_i \+ h_0\$ gives −1 \(946 of the 5,460 /,
    );
  });

  it("finds the corrected closed forms right on every sequence, with any h_0, and wrong once the readout changes", () => {
    expect(checkQ1(net, Q1_CORRECTED_CLAIM, 6).first).toBeNull();
    expect(presets["q1-corrected"].check.run(net, 6).verdict).toMatch(
      /^correct on all 5,460 digit sequences \(digits 0–3\) up to length 6: \$h_T = \\sum_\{i=1\}\^\{T\} \(-1\)\^\{T-i\} x_i/,
    );
    const shifted = cloneWired(net);
    shifted.layers[0].initial[0] = 0.75;
    expect(checkQ1(shifted, Q1_CORRECTED_CLAIM, 5).first).toBeNull();
    expect(checkQ1(shifted, Q1_SEED_CLAIM, 5).first?.digits).toEqual([0]);
    const softer = cloneWired(net);
    softer.readout!.weights[0][0] = 5;
    expect(checkQ1(softer, Q1_CORRECTED_CLAIM, 5).first).toMatchObject({ digits: [1], unit: "y" });
  });
});

describe("weight edits as text (encodeEdits, applyEdits)", () => {
  it("writes only the changed entries and reads them back into an equal network", () => {
    const preset = presets["q5b-seed"].net();
    const edited = cloneWired(preset);
    edited.layers[0].bias[0] = 0.5;
    edited.layers[1].recurrentWeights[0][0] = -1e-7;
    const text = encodeEdits(preset, edited);
    expect(text).toBe("l0-bias-0-0:0.5,l1-recurrent-0-0:-1e-7");
    const read = cloneWired(preset);
    applyEdits(read, text);
    expect(read).toEqual(edited);
    expect(encodeEdits(preset, preset)).toBe("");
  });

  it("names the readout's entries and rejects what is not an entry or not a number, in one line", () => {
    expect(paramsOf(presets["q1-seed"].net()).map((p) => p.id)).toEqual([
      "l0-input",
      "l0-recurrent",
      "l0-bias",
      "l0-initial",
      "readout-weights",
      "readout-bias",
    ]);
    const net = presets["q5b-seed"].net();
    expect(() => applyEdits(net, "bias:1")).toThrow('"bias:1" is not <weight>-<row>-<col>:<number>');
    expect(() => applyEdits(net, "l0-bias-2-0:1")).toThrow("Q5b (seed) has no weight l0-bias-2-0");
    expect(() => applyEdits(net, "readout-bias-0-0:1")).toThrow("has no weight readout-bias-0-0");
    expect(() => applyEdits(net, "l0-bias-0-0:abc")).toThrow('l0-bias-0-0 needs a number, not "abc"');
    expect(() => applyEdits(net, "l0-bias-0-0:")).toThrow("needs a number");
  });
});

describe("the input sequence (parseSequence)", () => {
  it("reads bits, pairs with or without spaces, and digits", () => {
    expect(parseSequence("1 101", "bits")).toEqual([[1], [1], [0], [1]]);
    expect(parseSequence("110010", "pairs")).toEqual([
      [1, 1],
      [0, 0],
      [1, 0],
    ]);
    expect(sequenceText(parseSequence("11 00 10", "pairs"), "pairs")).toBe("11 00 10");
    expect(parseSequence("1209", "digits")).toEqual([[1], [2], [0], [9]]);
  });

  it("says what to type", () => {
    expect(() => parseSequence("12", "bits")).toThrow("type bits, one a step: 1101");
    expect(() => parseSequence("110", "pairs")).toThrow("type pairs of bits (m1 m2), one a step: 11 00 10");
    expect(() => parseSequence("1a", "digits")).toThrow("type digits 0–9");
    expect(() => parseSequence("  ", "digits")).toThrow("the sequence is empty");
    expect(() => parseSequence("1".repeat(25), "bits")).toThrow("at most 24 steps, not 25");
  });
});

describe("the network view's URL (setupFromQuery, queryOf)", () => {
  it("restores an edited Q5b whose verdict is then correct, and writes the same query back", () => {
    const search = "?view=network&preset=q5b-seed&w=l0-bias-0-0:0.5&input=0110&n=5";
    const { setup, problems } = setupFromQuery(search);
    expect(problems).toEqual([]);
    expect(setup.net.layers[0].bias).toEqual([0.5, -1.5]);
    expect(setup.sequence).toBe("01 10");
    expect(presets[setup.preset].check.run(setup.net, setup.maxLength).verdict).toMatch(/^correct on all /);
    expect(queryOf(setup)).toBe(search);
    expect(queryOf(setupFromQuery("?view=network&preset=q1-seed").setup)).toBe(
      "?view=network&preset=q1-seed",
    );
  });

  it("reports each malformed value and falls back to the preset's", () => {
    const { setup, problems } = setupFromQuery(
      "?view=network&preset=q5b-seed&w=l9-bias-0-0:1&input=012&n=99",
    );
    expect(problems).toEqual([
      'n: expected an integer from 1 to 8, not "99"',
      "w: Q5b (seed) has no weight l9-bias-0-0; showing the preset's weights",
      "input: type pairs of bits (m1 m2), one a step: 11 00 10; showing 11 00 10",
    ]);
    expect(setup.net).toEqual(presets["q5b-seed"].net());
    expect(setup.maxLength).toBe(6);
    expect(setupFromQuery("?view=network&preset=nope").problems).toEqual([
      'preset: no network "nope", showing q5b-seed',
    ]);
  });
});
