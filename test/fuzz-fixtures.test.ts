import { readFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { FormatError } from "../src/errors.js";
import { parseFixture, runParity } from "../src/parity/index.js";
import {
  anyValue,
  casesFor,
  expectOwnError,
  fuzzParameters,
  type Mutation,
  mutate,
  mutationOf,
  pathsOf,
  SlowestCase,
} from "./helpers/fuzz-cases.js";

// The PyTorch fixture parser (src/parity/schema.ts) and the runners that read a fixture's tensors
// (recurrent.ts, charlm.ts, clip.ts), on random JSON and on real fixtures with one value replaced,
// deleted or added: each gives a report or one line of the library's own error, never a foreign
// error and never an allocation the file's contents do not back. A changed reference value fails its
// quantity, and a fixture that compares nothing is refused. 20,000 cases under npm test: most are
// parsed only (a run takes a millisecond or more), a share is run.

const TOTAL = 20_000;
const slowest = new SlowestCase();
afterAll(() => console.log(slowest.summary("fuzz-fixtures")));

const load = (path: string) =>
  JSON.parse(readFileSync(`test/fixtures/${path}`, "utf8")) as Record<string, unknown>;
/** The smallest fixture of each kind and format version. */
const fixtures: [string, Record<string, unknown>][] = [
  "torch/clip_3_tensors.json",
  "torch/rnn_relu_L1_T5_B3_I4_H1.json",
  "torch/gru_L1_T5_B3_I4_H1.json",
  "torch/lstm_L1_T5_B3_I4_H1.json",
  "torch/charlm_rnn_tanh_adam_V11_E5_H7_T5_B3.json",
  "torch-v2/rnn_tanh_L2_T4_B2_I3_H5_nobias.json",
  "torch-v2/lstm_L1_T5_B3_I4_H6_P3.json",
  "torch-v2/gru_L1_T5_B3_I4_H6_len.json",
].map((path) => [path, load(path)]);

/** A fixture and one mutation of it (the first 2 entries of each array: a tensor's values are alike). */
const mutated = fc.oneof(
  ...fixtures.map(([name, fixture]) =>
    fc.tuple(fc.constant(name), fc.constant(fixture), mutationOf(fixture, 2)),
  ),
);

/** `read()` is a result, or the library's own error in one line. */
function ownOutcome<T>(label: string, read: () => T): T | null {
  return slowest.time(label, () => {
    try {
      return read();
    } catch (error) {
      expectOwnError(error, label);
      return null;
    }
  });
}

const labelOf = (name: string, mutation: Mutation) => `${name} ${JSON.stringify(mutation).slice(0, 200)}`;

/** The top-level keys of the references (PyTorch's results), and the inputs nested among them. */
const REFERENCE_KEY =
  /^(output|h_n|c_n|loss(_2)?|grads\w*|logits\w*|total_norm\w*|params_after_\w+|clip_grad_norm|clip_grad_value)$/;
const INPUT_KEY = /^(max_norm|norm_type|clip_value)$/;

describe("fixtures on random and mutated JSON: a report or one line of the library's own error", () => {
  it("every base fixture passes", () => {
    for (const [name, fixture] of fixtures) expect(runParity(fixture, name).ok, name).toBe(true);
  });

  it("parseFixture of any JSON value: a fixture or one FormatError line", () => {
    const kinds = fc.constantFrom("recurrent", "charlm", "clip");
    const randomFixture = fc.oneof(
      anyValue,
      fc.jsonValue({ maxDepth: 3 }),
      fc
        .tuple(kinds, fc.dictionary(fc.string({ maxLength: 12 }), anyValue))
        .map(([kind, rest]) => ({ ...rest, kind })),
    );
    fc.assert(
      fc.property(randomFixture, (json) => {
        ownOutcome("random fixture JSON", () => parseFixture(json, "random"));
      }),
      fuzzParameters(casesFor(TOTAL, 0.2)),
    );
  });

  it("parseFixture of a real fixture with one value replaced, deleted or added", () => {
    fc.assert(
      fc.property(mutated, ([name, fixture, mutation]) => {
        const label = labelOf(name, mutation);
        const parsed = ownOutcome(label, () => parseFixture(mutate(fixture, mutation), name));
        if (parsed !== null) expect(parsed.kind, label).toBe(fixture.kind);
      }),
      fuzzParameters(casesFor(TOTAL, 0.72)),
    );
  });

  it("runParity (float64) of a real fixture with one value replaced, deleted or added", () => {
    fc.assert(
      fc.property(mutated, ([name, fixture, mutation]) => {
        const label = labelOf(name, mutation);
        const report = ownOutcome(label, () => runParity(mutate(fixture, mutation), name, ["float64"]));
        if (report !== null) expect(report.runs[0].quantities.length, label).toBeGreaterThan(0);
      }),
      fuzzParameters(casesFor(TOTAL, 0.05)),
    );
  });

  it("a reference value changed by a factor fails its quantity: nothing is silently accepted", () => {
    // The numbers under the reference keys (what rnnlab's results are compared with).
    const references = fixtures.flatMap(([name, fixture]) =>
      pathsOf(fixture, 2)
        .filter(
          (path) => REFERENCE_KEY.test(String(path[0])) && !path.some((key) => INPUT_KEY.test(String(key))),
        )
        .filter(
          (path) =>
            typeof path.reduce<unknown>((n, k) => (n as Record<string, unknown>)[k], fixture) === "number",
        )
        .map((path) => [name, fixture, path] as const),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...references),
        fc.constantFrom(-1, 2, 1.01, 0.5),
        ([name, fixture, path], factor) => {
          const value = path.reduce<unknown>((n, k) => (n as Record<string, unknown>)[k], fixture) as number;
          const changed = Math.abs(value) < 1e-3 ? value + 0.01 : value * factor;
          if (path[0] === "clip_grad_norm" && path[2] === "clip_coef" && value >= 1) return; // PyTorch clamps it
          const label = `${name} ${path.join(".")} ${value} -> ${changed}`;
          const report = ownOutcome(label, () =>
            runParity(mutate(fixture, { path, value: changed }), name, ["float64"]),
          );
          expect(report?.ok, label).toBe(false);
        },
      ),
      fuzzParameters(casesFor(TOTAL, 0.03)),
    );
  });

  it("a clip fixture with no tensor of values, or absurd sizes, is refused in one line before allocating", () => {
    const clip = fixtures[0][1];
    const empty = {
      ...clip,
      shapes: [],
      grads: [],
      clip_grad_norm: [],
      clip_grad_value: { clip_value: 1, tensors: [] },
    };
    expect(() => runParity(empty, "empty.json")).toThrow(
      new FormatError(
        "'shapes' holds no tensor with values: a clip fixture needs at least one non-empty gradient",
      ),
    );
    const zeros = { ...clip, shapes: [[0], [2, 0]], grads: [[], [[], []]] };
    expect(() => runParity(zeros, "zeros.json")).toThrow(/holds no tensor with values/);
    const charlm = fixtures[4][1];
    expect(() => runParity({ ...charlm, V: 1e8 }, "v.json")).toThrow(
      new FormatError("v.json: 'V': Too big: expected at most 1000000 (fixtures are small)"),
    );
    expect(() => runParity({ ...charlm, V: 1e6, H: 4096 }, "vh.json")).toThrow(
      "'params.embedding.weight' has shape [11, 5], expected [1000000, 5]",
    );
    const recurrent = fixtures[1][1];
    expect(() => runParity({ ...recurrent, num_layers: 1e9 }, "l.json")).toThrow(
      "l.json: 'num_layers': Too big: expected at most 64 (fixtures are small)",
    );
    expect(() => runParity({ ...recurrent, num_layers: 64, hidden_size: 4096 }, "lh.json")).toThrow(
      /^'params\.weight_ih_l0' has shape \[1, 4\], expected \[4096, 4\]/,
    );
  });
});
