import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FormatError } from "../src/errors.js";
import { runParity } from "../src/parity/index.js";
import { expectWithinTolerance } from "./helpers/parity.js";

// Every PyTorch reference fixture (copied from shared/fixtures/torch) through rnnlab in float64
// and float32, within 1e-9 and 1e-4 of PyTorch's float64 results.

const dirs = ["test/fixtures/torch", "test/fixtures/torch-generated"];
const files = dirs.flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => `${dir}/${f}`),
);
const load = (file: string) =>
  JSON.parse(readFileSync(file.includes("/") ? file : `test/fixtures/torch/${file}`, "utf8"));

describe("runParity(fixture)", () => {
  it("finds every kind of fixture", () => {
    const kinds = new Set(files.map((f) => load(f).kind));
    expect([...kinds].sort()).toEqual(["charlm", "clip", "recurrent"]);
    expect(files.length).toBeGreaterThanOrEqual(32);
  });

  it.each(files)("runParity(%s) is within tolerance in float64 and float32", (file) => {
    expectWithinTolerance(runParity(load(file), file), file, 3);
  });

  it("reports a fixture whose reference was changed as failing, naming the quantity", () => {
    const fixture = load("lstm_L1_T5_B3_I4_H6.json");
    fixture.grads.weight_hh_l0[2][1] += 1e-6;
    const report = runParity(fixture, "tampered");
    expect(report.ok).toBe(false);
    const bad = report.runs[0].quantities.filter((q) => !q.ok).map((q) => q.name);
    expect(bad).toEqual(["grads.weight_hh_l0"]);
  });

  it("reports a charlm fixture with a changed optimizer result as failing", () => {
    const fixture = load("charlm_gru_sgd_V11_E5_H7_T5_B3.json");
    fixture.params_after_sgd_2["linear.bias"][0] += 1e-3;
    const report = runParity(fixture, "tampered");
    expect(report.runs.map((r) => r.ok)).toEqual([false, false]);
  });

  it.each([
    [
      "recurrent",
      "rnn_tanh_L1_T5_B3_I4_H6.json",
      (f: Record<string, unknown>) => delete f.h0,
      /missing key 'h0'/,
    ],
    [
      "recurrent",
      "gru_L1_T5_B3_I4_H6.json",
      (f: Record<string, Record<string, unknown>>) => delete f.grads.x,
      /missing key 'grads.x'/,
    ],
    [
      "charlm",
      "charlm_lstm_adam_V11_E5_H7_T5_B3.json",
      (f: Record<string, unknown>) => delete f.total_norm_2,
      /missing key 'total_norm_2'/,
    ],
    [
      "clip",
      "clip_3_tensors.json",
      (f: Record<string, unknown>) => delete f.clip_grad_value,
      /missing key 'clip_grad_value'/,
    ],
    [
      "recurrent",
      "lstm_L1_T5_B3_I4_H6.json",
      (f: Record<string, unknown>) => delete f.c0,
      /missing key 'c0'/,
    ],
    [
      "recurrent",
      "rnn_tanh_L1_T5_B3_I4_H6.json",
      (f: Record<string, unknown[]>) => f.x.pop(),
      /'x' has shape \[4, 3, 4\], expected \[5, 3, 4\]/,
    ],
    [
      "recurrent",
      "rnn_tanh_L1_T5_B3_I4_H6.json",
      (f: Record<string, unknown>) => {
        f.kind = "weights";
      },
      /'kind' must be/,
    ],
  ])("a %s fixture (%s) with a defect gives one clear FormatError", (_kind, file, mutate, message) => {
    const fixture = load(file);
    (mutate as (f: unknown) => void)(fixture);
    expect(() => runParity(fixture, file)).toThrow(FormatError);
    expect(() => runParity(fixture, file)).toThrow(message);
  });
});
