import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { CLAIM_IDS, experiments } from "../../lab/claims.js";
import { createLabContext } from "../../lab/context.js";
import { texToText } from "../../lab/format.js";
import { buildLabReport } from "../../lab/report.js";
import { runLab, selectExperiments } from "../../lab/run.js";
import type { ClaimResult } from "../../lab/types.js";
import { renderPage } from "../../src/report/page.js";
import { UserError } from "../errors.js";
import { verdictTable } from "../lab-table.js";
import { writeFileAtomic } from "../files.js";
import { createProgress } from "../progress.js";
import { addStoreOptions, RunRecorder, type StoreOptions } from "../store-record.js";
import { loadReportAssets } from "../report-assets.js";
import { boundedInteger } from "../train/limits.js";
import { defaultData } from "./train.js";

interface LabOptions extends StoreOptions {
  only: string;
  quick?: boolean;
  json?: boolean;
  out: string;
  seed: string;
}

export function register(program: Command): void {
  const command = program
    .command("lab")
    .description("settle every claim of the seed by computation: verdict table and report.html")
    .option("--only <prefix>", "only the claims whose id starts with this (e.g. Q3 or Q5b.)", "")
    .option("--quick", "smaller sweeps and fewer seeds (same verdict logic), under 90 s")
    .option(
      "--json",
      "print a JSON array: one { id, verdict, evidence, correction } per claim (formulas as TeX in $…$)",
    )
    .option("--out <dir>", "where report.html and results.json go", "runs/lab")
    .option("--seed <n>", "random seed", "1");
  addStoreOptions(command).action((options: LabOptions) => recordedLab(options));
}

/** labCommand, recorded in the run store: the verdicts' counts as its final metrics. */
function recordedLab(options: LabOptions): void {
  const config = { only: options.only, quick: options.quick ?? false, seed: options.seed };
  const recorder = RunRecorder.start(options, {
    kind: "lab",
    name: options.only || "all claims",
    config,
    artefacts: { dir: options.out, report: join(options.out, "report.html") },
  });
  let results: ClaimResult[];
  try {
    results = labCommand(options);
  } catch (error) {
    recorder?.fail(error);
    throw error;
  }
  recorder?.finish("finished", verdictCounts(results));
}

/** { claims, <verdict>: count, ... }: a lab run's final metrics. */
export function verdictCounts(results: readonly { verdict: string }[]): Record<string, number> {
  const counts: Record<string, number> = { claims: results.length };
  for (const r of results) counts[r.verdict] = (counts[r.verdict] ?? 0) + 1;
  return counts;
}

function labCommand(options: LabOptions): ClaimResult[] {
  const selected = selectExperiments(experiments, options.only);
  if (selected.length === 0) {
    throw new UserError(
      `--only '${options.only}' matches no claim; ids look like ${CLAIM_IDS.slice(0, 3).join(", ")}, ...`,
    );
  }
  const seed = boundedInteger(options.seed, "--seed");
  const quick = options.quick ?? false;
  let text: string | null = null;
  const totalCost = selected.reduce((sum, e) => sum + e.cost, 0);
  const progress = createProgress({
    unit: "claims",
    total: selected.length,
    fields: ["claim"],
    shareOf: "the estimated time",
  });
  let done = 0;
  let claimsDone = 0;
  const ctx = createLabContext({
    quick,
    seed,
    corpus: () => {
      text ??= readFileSync(defaultData, "utf8");
      return text;
    },
    progress: (message) =>
      progress.update(claimsDone, { claim: texToText(message).slice(0, 60) }, done / totalCost),
  });
  const started = Date.now();
  const results = runLab(selected, ctx, (result, experiment, seconds) => {
    done += experiment.cost;
    claimsDone++;
    progress.log(`${result.verdict.padEnd(7)} ${result.id} (${seconds.toFixed(1)} s)`);
  });
  progress.stop();
  const seconds = (Date.now() - started) / 1000;
  const page = renderPage({
    ...buildLabReport(results, selected, { quick, seconds, seed }),
    assets: loadReportAssets(),
  });
  const reportPath = join(options.out, "report.html");
  writeFileAtomic(reportPath, page);
  writeFileAtomic(join(options.out, "results.json"), `${JSON.stringify(results.map(summary), null, 2)}\n`);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(results.map(summary))}\n`);
    return results;
  }
  process.stdout.write(verdictTable(results, selected, Math.max(60, process.stdout.columns ?? 100)));
  process.stdout.write(`\nreport: ${reportPath}\n`);
  return results;
}

const summary = (r: ClaimResult) => ({
  id: r.id,
  verdict: r.verdict,
  evidence: r.evidence,
  correction: r.correction,
});
