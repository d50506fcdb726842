import { type Command, Option } from "commander";
import type { RunStore } from "../../node/store/index.js";
import type { RunKind, RunRow, RunStatus } from "../../node/store/types.js";
import { UserError } from "../errors.js";
import { writeFileAtomic } from "../files.js";
import { loadReportAssets } from "../report-assets.js";
import { type Comparison, comparisonText, compareRuns } from "../runs/compare.js";
import { runsCsv, runsJson } from "../runs/export.js";
import { comparisonPage } from "../runs/html.js";
import { runsTable } from "../runs/list.js";
import { DEFAULT_STORE, runsByIds, withStore } from "../runs/open-store.js";
import { runDetails, runDetailsText } from "../runs/show.js";
import { decimalInteger } from "../train/limits.js";

// `rnnlab runs list|show|compare|export`: the run store (node/store) read back. Every subcommand takes
// --store and --json; each opens the store, marks dead runs killed, reads, and closes it.

const KINDS: RunKind[] = ["train", "lab", "trial"];
const STATUSES: RunStatus[] = ["running", "finished", "failed", "killed", "stopped"];

interface StoreOptions {
  store: string;
  json?: boolean;
}

interface ListOptions extends StoreOptions {
  kind?: RunKind;
  status?: RunStatus;
  sweep?: string;
  limit?: string;
}

interface CompareOptions extends StoreOptions {
  metric: string;
  html?: string;
}

interface ExportOptions extends StoreOptions {
  sweep?: string;
  format?: "csv" | "json";
  out?: string;
}

export function register(program: Command): void {
  const runs = program
    .command("runs")
    .description("list, show, compare and export the runs recorded in the run store");
  registerList(runs);
  registerShow(runs);
  registerCompare(runs);
  registerExport(runs);
}

/** --store and --json, which every subcommand takes. */
function withStoreOptions(command: Command, json: string): Command {
  return command.option("--store <path>", "the run store", DEFAULT_STORE).option("--json", json);
}

function registerList(runs: Command): void {
  const command = runs
    .command("list")
    .description("one line per run, the newest first")
    .addOption(new Option("--kind <kind>", "only runs of this kind").choices(KINDS))
    .addOption(new Option("--status <status>", "only runs with this status").choices(STATUSES))
    .option("--sweep <id>", "only the trials of this sweep")
    .option("--limit <n>", "at most this many runs");
  withStoreOptions(command, "print the runs as a JSON array").action((options: ListOptions) => {
    const limit = options.limit === undefined ? undefined : parseLimit(options.limit);
    withStore(options.store, (store) => {
      const filter = { kind: options.kind, status: options.status, sweepId: options.sweep, limit };
      const list = store.listRuns(filter);
      if (options.json) return printJson(list);
      const sweepMetrics = new Map(store.listSweeps().map((s) => [s.id, s.metric]));
      process.stdout.write(runsTable(list, sweepMetrics));
    });
  });
}

function parseLimit(text: string): number {
  const n = decimalInteger(text);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UserError(`--limit must be a whole number from 1, got '${text}'`);
  return n;
}

function registerShow(runs: Command): void {
  const command = runs
    .command("show")
    .description("one run: its fields, config, final metrics, artefacts, metric records and loss curve")
    .argument("<id>", "the run's id (rnnlab runs list shows them)");
  withStoreOptions(command, "print the run and its record counts as one JSON object").action(
    (id: string, options: StoreOptions) => {
      withStore(options.store, (store) => {
        const [run] = runsByIds(store, [id], options.store);
        const records = store.metrics(run.id);
        const details = runDetails(run, records);
        if (options.json) printJson(details);
        else process.stdout.write(runDetailsText(details, records));
      });
    },
  );
}

function registerCompare(runs: Command): void {
  const command = runs
    .command("compare")
    .description("final metrics and config differences side by side, and one metric's curves overlaid")
    .argument("<ids...>", "the runs' ids")
    .option("--metric <key>", "the metric whose curves are drawn (val records: loss reads valLoss)", "loss")
    .option("--html <file>", "also write the comparison as one self-contained HTML page");
  withStoreOptions(command, "print the comparison as one JSON object").action(
    (ids: string[], options: CompareOptions) => {
      const comparison = withStore(options.store, (store) =>
        compareRuns(runsByIds(store, ids, options.store), (id) => store.metrics(id), options.metric),
      );
      if (options.html) writeFileAtomic(options.html, comparisonPage(comparison, loadReportAssets()));
      printComparison(comparison, options);
    },
  );
}

function printComparison(comparison: Comparison, options: CompareOptions): void {
  if (options.json) printJson(comparison);
  else process.stdout.write(comparisonText(comparison));
  if (options.html && !options.json) process.stdout.write(`wrote ${options.html}\n`);
}

function registerExport(runs: Command): void {
  const command = runs
    .command("export")
    .description("runs as CSV (one row per run) or JSON (with their metric records)")
    .argument("[ids...]", "the runs' ids (default: every run, or the sweep's trials with --sweep)")
    .option("--sweep <id>", "the trials of this sweep")
    .addOption(
      new Option("--format <format>", "csv, or json (default: csv; json with --json)").choices([
        "csv",
        "json",
      ]),
    )
    .option("--out <file>", "write here (default: standard output)");
  withStoreOptions(command, "--format json, or with --out a JSON summary of what was written").action(
    (ids: string[], options: ExportOptions) => {
      const format = exportFormat(options);
      const { text, count } = withStore(options.store, (store) => {
        const chosen = exportedRuns(store, ids, options);
        const text = format === "csv" ? runsCsv(chosen) : runsJson(chosen, (id) => store.metrics(id));
        return { text, count: chosen.length };
      });
      if (options.out === undefined) return void process.stdout.write(text);
      writeFileAtomic(options.out, text);
      if (options.json) printJson({ out: options.out, format, runs: count });
      else process.stdout.write(`wrote ${count} run${count === 1 ? "" : "s"} to ${options.out}\n`);
    },
  );
}

function exportFormat(options: ExportOptions): "csv" | "json" {
  if (options.json && options.format === "csv" && options.out === undefined) {
    throw new UserError("--json with --format csv: give --out FILE for the CSV, or drop --json");
  }
  return options.format ?? (options.json ? "json" : "csv");
}

function exportedRuns(store: RunStore, ids: string[], options: ExportOptions): RunRow[] {
  if (ids.length > 0 && options.sweep !== undefined) {
    throw new UserError("give run ids or --sweep, not both");
  }
  if (ids.length > 0) return runsByIds(store, ids, options.store);
  if (options.sweep === undefined) return store.listRuns().reverse();
  if (store.getSweep(options.sweep) === null) {
    const known = store.listSweeps().map((s) => s.id);
    const which = known.length === 0 ? "it has no sweeps" : `its sweeps: ${known.join(", ")}`;
    throw new UserError(`no sweep '${options.sweep}' in ${options.store} (${which})`);
  }
  return store.trialRuns(options.sweep);
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
