import fc from "fast-check";
import { Command, CommanderError, type Option } from "commander";
import { afterAll, describe, expect, it } from "vitest";
import { register } from "../cli/commands/train.js";
import { boundedInteger, INTEGER_LIMITS, MAX_SEED } from "../cli/train/limits.js";
import { specFromOptions, type TrainOptions, type TrainSpec } from "../cli/train/spec.js";
import { ConfigError } from "../src/errors.js";
import { parseRunConfig } from "../src/train/run-config.js";
import { casesFor, expectOwnError, fuzzParameters, SlowestCase } from "./helpers/fuzz-cases.js";

// `rnnlab train`'s option parsing: random values and combinations of its flags through the function
// that builds the run's spec from commander's option object (specFromOptions, with optim-spec.ts,
// layer-spec.ts, conflicts.ts and limits.ts), and through commander itself. Each gives a spec that
// the stored run config's schema accepts as it is (so --resume can read what train wrote), or one
// line naming a flag; never a foreign error. 20,000 cases under npm test.

const TOTAL = 20_000;
const slowest = new SlowestCase();
afterAll(() => console.log(slowest.summary("fuzz-cli-options")));

function trainCommand(): Command {
  const program = new Command("rnnlab")
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  register(program);
  const train = program.commands.find((c) => c.name() === "train") as Command;
  train.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  return train;
}

const template = trainCommand();
template.parseOptions([]);
/** commander's option object with every default filled in, as `rnnlab train` gives it. */
const defaults = template.opts<TrainOptions>();
/** The flags that shape the spec (not --out, --resume, --json and the task's own). */
const SKIP = new Set(["out", "resume", "force", "json", "threads", "task", "data"]);
const options = new Map(
  template.options
    .filter((o) => !SKIP.has(o.attributeName()) && o.long !== undefined && o.long !== "--help")
    .map((o) => [o.long as string, o]),
);

/** Strings that probe a number flag: edges of each bound, non-numbers, forms Number() accepts. */
const edgeStrings = [
  "",
  " ",
  "0",
  "1",
  "2",
  "3",
  "-1",
  "1.5",
  "0.5",
  "1e3",
  "1e-3",
  "4294967295",
  "4294967296",
  "1e8",
  "100000000",
  "NaN",
  "Infinity",
  "-0",
  "0x10",
  "0b11",
  "abc",
  "inf",
  "2,4",
  "1,",
  "chrono",
  "chrono:5",
  "chrono:1",
  "64",
  "65",
  "4096",
  "4097",
  "1000000",
  "1e400",
  " 7 ",
  "07",
];

/** A value a user could type after `flag`: one of its choices, an edge, a number or any string. */
function valueFor(option: Option): fc.Arbitrary<string | boolean | undefined> {
  if (option.negate || option.isBoolean()) {
    return fc.constantFrom(!option.negate, undefined);
  }
  const choices = option.argChoices ?? [];
  const bounds = INTEGER_LIMITS[option.long ?? ""] ?? [0, 10];
  return fc.oneof(
    {
      weight: choices.length > 0 ? 4 : 0,
      arbitrary: fc.constantFrom(...(choices.length > 0 ? choices : ["-"])),
    },
    {
      weight: 3,
      arbitrary: fc.constantFrom(...edgeStrings, String(bounds[0]), String(bounds[1]), String(bounds[1] + 1)),
    },
    { weight: 2, arbitrary: fc.integer({ min: -5, max: 300 }).map(String) },
    { weight: 1, arbitrary: fc.double().map(String) },
    { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  );
}

/** Up to six flags with values, as the user would give them (the rest at their defaults). */
const givenFlags = fc
  .uniqueArray(fc.constantFrom(...options.keys()), { maxLength: 6 })
  .chain((chosen) =>
    fc.tuple(
      ...chosen.map((long) => valueFor(options.get(long) as Option).map((value) => [long, value] as const)),
    ),
  );

/** What an accepted spec promises, apart from the run config's schema. */
function expectSane(spec: TrainSpec, o: TrainOptions, label: string): void {
  expect(parseRunConfig(JSON.parse(JSON.stringify(spec))), label).toEqual(JSON.parse(JSON.stringify(spec)));
  expect(Number.isInteger(spec.seed) && spec.seed >= 0 && spec.seed <= MAX_SEED, label).toBe(true);
  const bounded: [string, number | null][] = [
    ["--hidden", spec.model.hiddenSize],
    ["--layers", spec.model.layers],
    ["--seq-len", spec.seqLen],
    ["--batch", spec.batch],
    ["--oracle", spec.oracle],
    ["--max-vocab", spec.maxVocab],
    ["--steps", spec.steps],
  ];
  for (const [flag, value] of bounded) {
    const [min, max] = INTEGER_LIMITS[flag];
    if (value !== null) expect(value >= min && value <= max, `${label}: ${flag} ${value}`).toBe(true);
  }
  // No flag is silently dropped: no clipping only with --no-clip, which nothing else accompanies.
  if (o.clip === false)
    expect([spec.clip, o.clipNorm, o.clipValue], label).toEqual([null, undefined, undefined]);
  if (o.clipValue !== undefined) expect(spec.clip?.kind, label).toBe("value");
  if (o.clipNorm !== undefined)
    expect(spec.clip, label).toMatchObject({ kind: "norm", maxNorm: Number(o.clipNorm) });
}

/** specFromOptions(o) is a sane spec, or one line that names a flag. */
function check(o: TrainOptions, given: (name: string) => boolean, label: string): void {
  slowest.time(label, () => {
    let spec: TrainSpec;
    try {
      spec = specFromOptions(o, given);
    } catch (error) {
      expectOwnError(error, label);
      expect(error, label).toBeInstanceOf(ConfigError);
      expect((error as Error).message, label).toMatch(/--[a-z]/);
      return;
    }
    expectSane(spec, o, label);
  });
}

describe("rnnlab train's flags, random values and combinations: a sane spec or one line naming a flag", () => {
  it("through specFromOptions, on commander's option object with the given flags set", () => {
    fc.assert(
      fc.property(givenFlags, (flags) => {
        const o = { ...defaults } as Record<string, unknown>;
        const attribute = (long: string) => (options.get(long) as Option).attributeName();
        for (const [long, value] of flags) o[attribute(long)] = value;
        const names = new Set(flags.filter(([, v]) => v !== undefined).map(([long]) => attribute(long)));
        const label = flags.map(([long, value]) => `${long} ${String(value)}`).join(" ");
        check(o as unknown as TrainOptions, (name) => names.has(name), label);
      }),
      fuzzParameters(casesFor(TOTAL, 0.8)),
    );
  });

  it("through commander: argv parsed by the train command, then specFromOptions", () => {
    fc.assert(
      fc.property(givenFlags, (flags) => {
        const argv = flags.flatMap(([long, value]) =>
          value === undefined ? [] : typeof value === "boolean" ? [long] : [long, value],
        );
        const label = argv.join(" ");
        const train = trainCommand();
        try {
          train.parseOptions(argv);
        } catch (error) {
          // commander's own refusals (a choice, a missing value): one line, as main.ts prints them
          expect(error, label).toBeInstanceOf(CommanderError);
          return;
        }
        check(train.opts<TrainOptions>(), (name) => train.getOptionValueSource(name) === "cli", label);
      }),
      fuzzParameters(casesFor(TOTAL, 0.05)),
    );
  });

  it("boundedInteger: any string is an integer within the flag's bounds, or one line with the range", () => {
    const flags = Object.keys(INTEGER_LIMITS);
    const text = fc.oneof(
      fc.constantFrom(...edgeStrings),
      fc.string({ maxLength: 12 }),
      fc.double().map(String),
    );
    fc.assert(
      fc.property(fc.constantFrom(...flags), text, (flag, value) => {
        const [min, max] = INTEGER_LIMITS[flag];
        try {
          const n = boundedInteger(value, flag);
          expect(Number.isInteger(n) && n >= min && n <= max && n === Number(value)).toBe(true);
        } catch (error) {
          expectOwnError(error, `${flag} ${value}`);
          expect((error as Error).message).toBe(
            `${flag} must be an integer from ${min} to ${max}, got '${value}'`,
          );
        }
      }),
      fuzzParameters(casesFor(TOTAL, 0.15)),
    );
  });
});
