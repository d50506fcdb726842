import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FormatError } from "../src/errors.js";
import { runParity } from "../src/parity/index.js";
import { expectWithinTolerance } from "./helpers/parity.js";

// Format version 2 of kind `recurrent` (copied from shared/fixtures/torch-v2): bidirectional layers,
// LSTM proj_size, bias=False and variable lengths, each against PyTorch's float64 results, within
// 1e-9 (float64) and 1e-4 (float32).

// torch-v2-generated: written by tools/make_fixtures.py (every option at once, two layers).
const dir = "test/fixtures/torch-v2";
const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
const generated = readdirSync("test/fixtures/torch-v2-generated").map((f) => `../torch-v2-generated/${f}`);
const load = (file: string) => JSON.parse(readFileSync(`${dir}/${file}`, "utf8"));

describe("runParity(version 2 fixture)", () => {
  it("finds every option among the fixtures", () => {
    const fixtures = files.map(load);
    expect(fixtures.every((f) => f.format_version === 2 && f.kind === "recurrent")).toBe(true);
    expect(fixtures.some((f) => f.bidirectional)).toBe(true);
    expect(fixtures.some((f) => f.proj_size > 0)).toBe(true);
    expect(fixtures.some((f) => f.bias === false)).toBe(true);
    expect(fixtures.some((f) => f.lengths !== null && f.bidirectional)).toBe(true);
    expect(new Set(fixtures.map((f) => f.arch))).toEqual(new Set(["rnn_tanh", "rnn_relu", "gru", "lstm"]));
  });

  it.each([...files, ...generated])("runParity(%s) is within tolerance in float64 and float32", (file) => {
    expectWithinTolerance(runParity(load(file), file), file, 5);
  });

  it("reports a changed reverse-direction gradient as failing, naming it", () => {
    const fixture = load("lstm_L1_T5_B3_I4_H6_bi.json");
    fixture.grads.weight_hh_l0_reverse[3][2] += 1e-6;
    const run = runParity(fixture, "tampered", ["float64"]).runs[0];
    expect(run.quantities.filter((q) => !q.ok).map((q) => q.name)).toEqual(["grads.weight_hh_l0_reverse"]);
  });

  const mismatches: [string, string, (f: Record<string, unknown>) => void, RegExp][] = [
    [
      "bidirectional flag on one direction's tensors",
      "rnn_tanh_L1_T5_B3_I4_H6_len.json",
      (f) => {
        f.bidirectional = true;
      },
      /^missing key 'params\.weight_ih_l0_reverse', as its flags bidirectional=true, proj_size=0, bias=true give; fix the flags or the tensor$/,
    ],
    [
      "proj_size on a GRU",
      "gru_L1_T5_B3_I4_H6_len.json",
      (f) => {
        f.proj_size = 2;
      },
      /^proj_size 2 needs arch lstm and proj_size < hidden_size 6; fix the flags$/,
    ],
    [
      "proj_size other than the tensors'",
      "lstm_L1_T5_B3_I4_H6_P3.json",
      (f) => {
        f.proj_size = 2;
      },
      /^'params\.weight_hh_l0' has shape \[24, 3\], expected \[24, 2\], as its flags bidirectional=false, proj_size=2, bias=true give; fix the flags or the tensor$/,
    ],
    [
      "bidirectional tensors, bidirectional=false",
      "lstm_L1_T5_B3_I4_H6_bi.json",
      (f) => {
        f.bidirectional = false;
      },
      /^'params\.weight_ih_l0_reverse' is no parameter of this layer, as its flags bidirectional=false, proj_size=0, bias=true give; fix the flags or the tensor$/,
    ],
    [
      "an h0 of another shape",
      "lstm_L1_T5_B3_I4_H6_P3.json",
      (f) => {
        f.h0 = [[[0, 0, 0, 0, 0, 0]]];
      },
      /^'h0' has shape \[1, 1, 6\], expected \[1, 3, 3\], as its flags bidirectional=false, proj_size=3, bias=true give; fix the flags or the tensor$/,
    ],
    [
      "bias=false with bias tensors",
      "gru_L1_T5_B3_I4_H6_bi.json",
      (f) => {
        f.bias = false;
      },
      /^'params\.bias_ih_l0' is no parameter of this layer, as its flags bidirectional=true, proj_size=0, bias=false give; fix the flags or the tensor$/,
    ],
    [
      "lengths of the wrong count",
      "gru_L1_T5_B3_I4_H6_len.json",
      (f) => {
        f.lengths = [5, 2];
      },
      /^'lengths' is \[5, 2\], expected 3 lengths in 1\.\.5 \(batch 3, seq_len 5\); fix the flags$/,
    ],
  ];
  it.each(mismatches)(
    "a fixture whose shapes disagree with its flags (%s): one FormatError line",
    (_, file, edit, message) => {
      const fixture = load(file);
      edit(fixture);
      let error: unknown;
      try {
        runParity(fixture, "bad");
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(FormatError);
      const text = (error as Error).message;
      expect(text.split("\n")).toHaveLength(1);
      expect(text).toMatch(message);
    },
  );
});
