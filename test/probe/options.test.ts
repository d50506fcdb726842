import { describe, expect, it } from "vitest";
import { gradientRatioProbe } from "../../lab/probes/gradient-ratio.js";
import { parseOption, readOptions } from "../../lab/probes/options.js";

const norm = { name: "norm", description: "", type: { kind: "number", min: 0, max: 10 } } as const;
const steps = { name: "steps", description: "", type: { kind: "integer", min: 1, max: 100 } } as const;

describe("parseOption", () => {
  it("reads decimal numbers and integers within their range", () => {
    expect(parseOption(norm, "2.5")).toBe(2.5);
    expect(parseOption(norm, "1e-3")).toBe(0.001);
    expect(parseOption(steps, "100")).toBe(100);
  });

  it("refuses hex, blanks, fractions of integers and values out of range in one line", () => {
    expect(() => parseOption(norm, "0x2")).toThrow("--norm must be a number from 0 to 10, got '0x2'");
    expect(() => parseOption(norm, "")).toThrow("--norm must be a number from 0 to 10, got ''");
    expect(() => parseOption(norm, "11")).toThrow("got '11'");
    expect(() => parseOption(steps, "2.5")).toThrow("--steps must be an integer from 1 to 100, got '2.5'");
  });
});

describe("readOptions", () => {
  it("fills defaults and refuses a missing required option by name", () => {
    const values = readOptions(gradientRatioProbe, { norm: "2", "seq-len": "5", seed: "1" });
    expect(Object.fromEntries(values)).toEqual({
      norm: 2,
      "seq-len": 5,
      seed: 1,
      hidden: 32,
      kind: "driven",
    });
    expect(() => readOptions(gradientRatioProbe, { norm: "2", seed: "1" })).toThrow(
      "probe gradient-ratio needs --seq-len",
    );
  });

  it("refuses a choice that is not listed, naming the choices", () => {
    expect(() =>
      readOptions(gradientRatioProbe, { norm: "2", "seq-len": "5", seed: "1", kind: "x" }),
    ).toThrow("--kind must be one of driven, centred, held, got 'x'");
  });
});
