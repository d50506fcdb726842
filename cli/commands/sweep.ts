import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { RunStore } from "../../node/store/index.js";
import type { RunRow } from "../../node/store/types.js";
import { UserError } from "../errors.js";
import { writeFileAtomic } from "../files.js";
import { createProgress } from "../progress.js";
import { loadReportAssets } from "../report-assets.js";
import { DEFAULT_STORE } from "../store-record.js";
import { evaluateAtRungs, markOrphanedTrials, SweepRecorder } from "../sweep/coordinator.js";
import { expandTrials, sweepId } from "../sweep/expand.js";
import { LocalPool } from "../sweep/pool.js";
import { sweepPage } from "../sweep/report.js";
import { checkTrialArgv, parseSweepSpec } from "../sweep/spec.js";
import { checkMetricReported, summarize } from "../sweep/summary.js";
import type { SweepSpec, Trial, TrialRunner } from "../sweep/types.js";
import { boundedInteger } from "../train/limits.js";

// `rnnlab sweep SPEC.yaml`: the spec's trials on a local pool (one per core) or, with --queue, on
// BullMQ workers; every trial recorded in the run store; successive halving when the spec asks;
// then the best configs and each option's effect.

interface SweepOptions {
  parallel?: string;
  resume?: boolean;
  restart?: boolean;
  queue?: string;
  store: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("sweep")
    .description("run a sweep of train, lab or probe trials from a YAML spec, locally or on a queue")
    .argument("<spec>", "the sweep's YAML file (examples/sweeps/)")
    .option("--parallel <n>", "trials at once on this machine (default: the spec's, else one per core)")
    .option("--resume", "continue the sweep in the store: skip finished trials, rerun the others")
    .option("--restart", "run every trial again (earlier runs stay in the store)")
    .option("--queue <url>", "put the trials on a BullMQ queue at redis://HOST:PORT for rnnlab worker")
    .option("--store <path>", "the run store", DEFAULT_STORE)
    .option("--json", "end with one JSON line: the sweep id, counts, best trials and effects")
    .action((file: string, options: SweepOptions) => sweepCommand(file, options));
}

async function sweepCommand(file: string, options: SweepOptions): Promise<void> {
  if (options.resume && options.restart) throw new UserError("--resume and --restart: give one of them");
  const spec = parseSweepSpec(readSpec(file), file);
  const trials = evaluateAtRungs(spec, expandTrials(spec));
  for (const trial of trials) checkTrialArgv(trial.argv);
  const id = sweepId(spec);
  const store = RunStore.open(options.store);
  try {
    store.markKilled();
    markOrphanedTrials(store, id);
    // A sweep in the store that never started a trial (Redis was down, say) is taken as new.
    const started = store.getSweep(id) !== null && store.trialRuns(id).length > 0;
    if (started && !options.resume && !options.restart) {
      const done = finishedKeys(store.trialRuns(id)).size;
      throw new UserError(
        `sweep ${id} is already in ${options.store} (${done} of ${trials.length} trials done): --resume continues it, --restart runs it again`,
      );
    }
    store.upsertSweep({ id, name: spec.name, spec, metric: spec.metric, goal: spec.goal, status: "running" });
    const skip = options.resume ? finishedKeys(store.trialRuns(id)) : new Set<string>();
    const todo = trials.filter((t) => !skip.has(t.key));
    let interrupted: boolean;
    try {
      interrupted = await runTrials(spec, id, todo, trials.length - todo.length, store, options);
    } catch (error) {
      store.setSweepStatus(id, "interrupted");
      throw error;
    }
    store.setSweepStatus(id, interrupted ? "interrupted" : "finished");
    report(spec, id, trials, store, options, interrupted);
    if (interrupted)
      throw new UserError(`sweep ${id} interrupted: rnnlab sweep ${file} --resume continues it`, 130);
  } finally {
    store.close();
  }
}

function readSpec(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new UserError(
      `cannot read the sweep spec ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
}

/** Trials whose latest run finished or was stopped by successive halving: not run again on --resume. */
function finishedKeys(runs: readonly RunRow[]): Set<string> {
  const latest = latestByTrial(runs);
  return new Set(
    [...latest].filter(([, r]) => r.status === "finished" || r.status === "stopped").map(([k]) => k),
  );
}

function latestByTrial(runs: readonly RunRow[]): Map<string, RunRow> {
  const latest = new Map<string, RunRow>();
  for (const run of runs) if (run.trialKey) latest.set(run.trialKey, run); // oldest first: the last wins
  return latest;
}

/** The folder of the sweep's trials and report. */
function artefactsOf(spec: SweepSpec, id: string): string {
  return spec.artefacts ?? join("runs", "sweeps", id);
}

/** Runs the trials; true when a signal cut the sweep short. */
async function runTrials(
  spec: SweepSpec,
  id: string,
  trials: readonly Trial[],
  alreadyDone: number,
  store: RunStore,
  options: SweepOptions,
): Promise<boolean> {
  if (trials.length === 0) return false;
  const runner = await trialRunner(spec, id, artefactsOf(spec, id), options);
  const total = alreadyDone + trials.length;
  const progress = createProgress({ unit: "trials", total, fields: ["best"] });
  const recorder = new SweepRecorder(spec, id, store, (done, best, line) => {
    progress.log(line);
    progress.update(alreadyDone + done, { best });
  });
  let signalled = false;
  const stop = () => {
    signalled = true;
    void runner.close();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    await runner.run(trials, recorder.events);
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    progress.stop();
    await runner.close();
  }
  return signalled;
}

async function trialRunner(
  spec: SweepSpec,
  id: string,
  artefacts: string,
  options: SweepOptions,
): Promise<TrialRunner> {
  if (options.queue !== undefined) {
    const { QueueRunner } = await import("../sweep/queue.js");
    return new QueueRunner({ url: options.queue, sweepId: id, artefacts });
  }
  const parallel =
    options.parallel !== undefined
      ? boundedInteger(options.parallel, "--parallel")
      : (spec.parallel ?? availableParallelism());
  const deadline = spec.budget.minutes === null ? null : Date.now() + spec.budget.minutes * 60_000;
  return new LocalPool({ parallel, dirOf: (trial) => join(artefacts, trial.key), deadline });
}

/** The summary of the sweep's latest run of every trial, from the store. */
function report(
  spec: SweepSpec,
  id: string,
  trials: readonly Trial[],
  store: RunStore,
  options: SweepOptions,
  interrupted: boolean,
): void {
  const latest = latestByTrial(store.trialRuns(id));
  const outcomes = trials.map((trial) => {
    const run = latest.get(trial.key);
    const value = run?.final?.[spec.metric];
    return { trial, status: run?.status ?? "not run", value: typeof value === "number" ? value : null };
  });
  const summaries = [...latest.values()].map((r) => r.final).filter((f) => f !== null);
  // Cut short, the sweep may have no result yet: its summary says so rather than blame the metric.
  if (!interrupted) checkMetricReported(spec.metric, summaries);
  const summary = summarize(spec, outcomes);
  const page = join(artefactsOf(spec, id), "report.html");
  writeFileAtomic(page, sweepPage(spec, id, outcomes, summary, loadReportAssets()));
  // The summary is the output; with --json it is the JSON line, and the table goes to stderr.
  (options.json ? process.stderr : process.stdout).write(`${summary.text}\n`);
  process.stdout.write(`sweep ${id}: ${options.store}; rnnlab runs list --sweep ${id}\nreport: ${page}\n`);
  if (options.json) {
    const { best, effects, counts } = summary;
    process.stdout.write(
      `${JSON.stringify({ sweep: id, store: options.store, report: page, counts, best, effects })}\n`,
    );
  }
}
