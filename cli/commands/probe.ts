import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Command, Option } from "commander";
import {
  type OptionSpec,
  type Probe,
  type ProbeSummary,
  probes,
  readOptions,
} from "../../lab/probes/index.js";
import { formatNumber } from "../../src/report/index.js";
import { appendFileOrFail, describeFsError, writeFileAtomic } from "../files.js";
import { createProgress, type Progress } from "../progress.js";
import { UserError } from "../errors.js";

// `rnnlab probe <name>`: one point of a lab experiment (lab/probes), the unit of a sweep trial. Each
// probe is a subcommand whose options come from its registry entry. With --out DIR it writes
// DIR/summary.json and, for a probe that trains, DIR/metrics.jsonl as it goes (the sweep's early
// stopping reads it).

interface CommonOptions {
  json?: boolean;
  out?: string;
}

export function register(program: Command): void {
  const probe = program
    .command("probe")
    .description(
      "one point of a lab experiment (a sweep's trial): rnnlab probe <name> --help for its options",
    );
  for (const entry of probes) registerProbe(probe, entry);
}

function registerProbe(parent: Command, probe: Probe): void {
  const command = parent.command(probe.name).description(probe.description);
  const options = probe.options.map((spec) => {
    const option = new Option(`--${spec.name} <${valueName(spec)}>`, optionHelp(spec));
    command.addOption(option);
    return { spec, option };
  });
  command
    .option("--json", "print the summary as one JSON line")
    .option("--out <dir>", "also write summary.json (and metrics.jsonl when training) into this folder")
    .option("--store <path>", "accepted for sweeps; the probe records nothing yet")
    .option("--no-store", "accepted for sweeps; the probe records nothing yet")
    .action((given: Record<string, unknown> & CommonOptions) => {
      const raw: Record<string, string | undefined> = {};
      for (const { spec, option } of options) {
        const value = given[option.attributeName()];
        if (typeof value === "string") raw[spec.name] = value;
      }
      const summary = probeCommand(probe, raw, given);
      process.stdout.write(given.json ? `${JSON.stringify(summary)}\n` : plainSummary(probe, summary));
    });
}

function valueName(spec: OptionSpec): string {
  return spec.type.kind === "choice" ? spec.type.choices.join("|") : spec.type.kind === "integer" ? "n" : "x";
}

function optionHelp(spec: OptionSpec): string {
  const { type } = spec;
  const range = type.kind === "choice" ? "" : ` (${type.min} to ${type.max})`;
  const fallback = spec.default === undefined ? "; required" : `; default ${spec.default}`;
  return `${spec.description}${range}${fallback}`;
}

/** Runs `probe` on the options as given; with --out, writes its files there. */
export function probeCommand(
  probe: Probe,
  raw: Readonly<Record<string, string | undefined>>,
  common: CommonOptions,
): ProbeSummary {
  const values = readOptions(probe, raw);
  const files = common.out === undefined ? null : outFiles(common.out);
  const progress = lazyProgress(probe.unit);
  let summary: ProbeSummary;
  try {
    summary = probe.run(values, {
      progress(done, total, record) {
        progress.update(done, total, record);
        if (files)
          appendFileOrFail(files.metrics, `${JSON.stringify({ type: "train", step: done, ...record })}\n`);
      },
    });
  } finally {
    progress.stop();
  }
  if (files) writeFileAtomic(files.summary, `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

/** Progress shown from the first report, when the total and the fields are known; none without a unit. */
function lazyProgress(unit: string | null) {
  let shown: Progress | null = null;
  return {
    update(done: number, total: number, values: Record<string, number>): void {
      if (unit === null) return;
      shown ??= createProgress({ unit, total, fields: Object.keys(values) });
      shown.update(done, roundValues(values));
    },
    stop: () => shown?.stop(),
  };
}

/** The --out folder, made if missing, with its metrics.jsonl emptied for this run. */
function outFiles(out: string): { summary: string; metrics: string } {
  try {
    mkdirSync(out, { recursive: true });
  } catch (error) {
    throw new UserError(`cannot make the --out folder ${out}: ${describeFsError(error)}`);
  }
  const files = { summary: join(out, "summary.json"), metrics: join(out, "metrics.jsonl") };
  writeFileAtomic(files.metrics, "");
  return files;
}

function roundValues(values: Record<string, number>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, formatNumber(v, 4)]));
}

/** "gradient-ratio: norm 2, seqLen 50, log10Ratio -12.04, regime vanishing, …" */
function plainSummary(probe: Probe, summary: ProbeSummary): string {
  const parts = Object.entries(summary).map(
    ([key, value]) => `${key} ${typeof value === "number" ? formatNumber(value, 4) : String(value)}`,
  );
  return `${probe.name}: ${parts.join(", ")}\n`;
}
