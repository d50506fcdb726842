import { Command, type Option } from "commander";
import { describe, expect, it } from "vitest";
import { register } from "../cli/commands/train.js";
import { cellKinds } from "../src/cells/index.js";
import { ConfigError } from "../src/errors.js";
import { activationNames } from "../src/kernels/activations.js";
import { parseModelConfig } from "../src/model/config-schema.js";
import {
  type EpsSchedule,
  epsScheduleKinds,
  type FeedMode,
  feedModeKinds,
  feedPicks,
} from "../src/train/feeding.js";
import { optimizerNames } from "../src/train/optim/config.js";
import { parseRunConfig, type RunConfig } from "../src/train/run-config.js";
import { type LrScheduleSpec, lrScheduleKinds } from "../src/train/schedules.js";
import { trainSpec } from "./helpers/train-spec.js";

// Each kind of name has one registry; the CLI's choices, its help and the schemas follow from it.

function trainCommand(): Command {
  const program = new Command();
  register(program);
  const train = program.commands.find((command) => command.name() === "train");
  if (!train) throw new Error("register() added no train command");
  return train;
}

const train = trainCommand();
const option = (flag: string): Option => {
  const found = train.options.find((o) => o.long === flag);
  if (!found) throw new Error(`rnnlab train has no ${flag}`);
  return found;
};

const registries: [string, readonly string[]][] = [
  ["--cell", cellKinds],
  ["--activation", activationNames],
  ["--optimizer", optimizerNames],
  ["--lr-schedule", lrScheduleKinds],
  ["--schedule", epsScheduleKinds],
  ["--mode", feedModeKinds],
  ["--pick", feedPicks],
];

/** One valid value of each registered kind: a Record, so a new kind fails to compile until it has one. */
const epsSchedules: Record<EpsSchedule["kind"], EpsSchedule> = {
  constant: { kind: "constant", eps: 0.5 },
  linear: { kind: "linear", k: 1, c: 0.01, min: 0.1 },
  exponential: { kind: "exponential", k: 0.99 },
  "inverse-sigmoid": { kind: "inverse-sigmoid", k: 10 },
};
const feedModes: Record<FeedMode["kind"], FeedMode> = {
  "teacher-forcing": { kind: "teacher-forcing" },
  "free-running": { kind: "free-running", prefix: 4 },
  "scheduled-sampling": { kind: "scheduled-sampling", schedule: epsSchedules.linear, pick: "argmax" },
};
const lrSchedules: Record<LrScheduleSpec["kind"], LrScheduleSpec> = {
  constant: { kind: "constant" },
  step: { kind: "step", stepSize: 10, gamma: 0.5, warmup: 2 },
  cosine: { kind: "cosine", totalSteps: 100, minLr: 0 },
  onecycle: { kind: "onecycle", totalSteps: 100, pctStart: 0.25, anneal: "linear" },
  exponential: { kind: "exponential", gamma: 0.99 },
  multistep: { kind: "multistep", milestones: [10, 20], gamma: 0.5 },
  "cosine-restarts": { kind: "cosine-restarts", period: 10, periodMult: 2, minLr: 0 },
};

/** The spec of `rnnlab train` with its defaults and --steps 10. */
const defaultSpec = (): RunConfig => trainSpec(["--steps", "10"]);

describe("one registry for each kind of name", () => {
  it.each(registries)(
    "rnnlab train %s offers exactly the registry's names, and its help lists them",
    (flag, names) => {
      expect(option(flag).argChoices).toEqual([...names]);
      const help = train.helpInformation().replace(/\s+/g, " ");
      expect(help).toContain(`choices: ${names.map((name) => `"${name}"`).join(", ")}`);
    },
  );

  it("the model config's schema accepts every registered cell and activation, and names exactly those", () => {
    const base = { hiddenSize: 3, input: { kind: "onehot", vocabSize: 4 } } as const;
    for (const cell of cellKinds) expect(parseModelConfig({ ...base, cell }).cell).toBe(cell);
    for (const activation of activationNames) {
      expect(parseModelConfig({ ...base, cell: "rnn", activation }).activation).toBe(activation);
    }
    expect(() => parseModelConfig({ ...base, cell: "transformer" })).toThrow(
      new ConfigError(`config.cell: expected one of ${cellKinds.join(", ")}, got "transformer"`),
    );
    expect(() => parseModelConfig({ ...base, cell: "rnn", activation: "gelu" })).toThrow(
      new ConfigError(`config.activation: expected one of ${activationNames.join(", ")}, got "gelu"`),
    );
  });

  it("the run config's schema accepts every registered optimizer, lr schedule, eps schedule and feed mode", () => {
    const spec = defaultSpec();
    expect(parseRunConfig(spec)).toEqual(spec);
    for (const name of optimizerNames) {
      expect(parseRunConfig({ ...spec, optimizer: { name, lr: 0.01 } }).optimizer.name).toBe(name);
    }
    expect(Object.keys(lrSchedules)).toEqual([...lrScheduleKinds]);
    for (const lrSchedule of Object.values(lrSchedules)) {
      expect(parseRunConfig({ ...spec, lrSchedule }).lrSchedule).toEqual(lrSchedule);
    }
    expect(Object.keys(epsSchedules).sort()).toEqual([...epsScheduleKinds].sort());
    for (const schedule of Object.values(epsSchedules)) {
      const feed = { kind: "scheduled-sampling", schedule, pick: "sample" };
      expect(parseRunConfig({ ...spec, feed }).feed).toEqual(feed);
    }
    expect(Object.keys(feedModes)).toEqual([...feedModeKinds]);
    for (const feed of Object.values(feedModes)) expect(parseRunConfig({ ...spec, feed }).feed).toEqual(feed);
  });

  it("the run config's schema names exactly the registry when a name is unknown", () => {
    const spec = defaultSpec();
    const quoted = (names: readonly string[]) => names.map((name) => `"${name}"`).join(", ");
    expect(() => parseRunConfig({ ...spec, optimizer: { name: "lion", lr: 0.01 } })).toThrow(
      `train.optimizer: unknown optimizer "lion": use one of ${quoted(optimizerNames)}`,
    );
    expect(() => parseRunConfig({ ...spec, lrSchedule: { kind: "cyclic" } })).toThrow(
      `train.lrSchedule.kind: expected one of ${lrScheduleKinds.join(", ")}, got "cyclic"`,
    );
    expect(() => parseRunConfig({ ...spec, feed: { kind: "professor-forcing" } })).toThrow(
      `train.feed.kind: expected one of ${feedModeKinds.join(", ")}, got "professor-forcing"`,
    );
    const feed = { kind: "scheduled-sampling", schedule: { kind: "cubic" }, pick: "sample" };
    expect(() => parseRunConfig({ ...spec, feed })).toThrow(
      `train.feed.schedule.kind: expected one of ${epsScheduleKinds.join(", ")}, got "cubic"`,
    );
  });
});
