// A probe: one point of a lab experiment (one net, one training run) with its options, run by
// `rnnlab probe <name>` and measured by a sweep trial. Its summary's keys are a sweep's metrics.

/** An option's value once read: a number, or one of its choices. */
export type OptionValue = number | string;

export interface OptionSpec {
  /** The long option without dashes, kebab-case as the CLI writes it: "seq-len". */
  name: string;
  description: string;
  /** A real number or an integer within [min, max], or one of the choices. */
  type:
    | { kind: "number" | "integer"; min: number; max: number }
    | { kind: "choice"; choices: readonly string[] };
  /** Absent: the option is required. */
  default?: OptionValue;
}

/** The options as read, by name: every option of the probe has a value. */
export type OptionValues = ReadonlyMap<string, OptionValue>;

/** A probe's one-line result: numbers (0|1 for flags), a few names, null where nothing was measured. */
export type ProbeSummary = Record<string, number | string | null>;

export interface ProbeHooks {
  /** `done` of `total` units of work done, with the running values (training steps: the loss). */
  progress(done: number, total: number, values: Record<string, number>): void;
}

export interface Probe {
  name: string;
  description: string;
  /** What `progress` counts ("steps"); null for a probe too quick to report progress. */
  unit: string | null;
  options: readonly OptionSpec[];
  run(values: OptionValues, hooks: ProbeHooks): ProbeSummary;
}
