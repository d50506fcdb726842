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
import { loadReportAssets } from "../report-assets.js";
import { boundedInteger } from "../train/limits.js";
import { defaultData } from "./train.js";

interface LabOptions {
  only: string;
  quick?: boolean;
  json?: boolean;
  out: string;
  seed: string;
}

export function register(program: Command): void {
  program
    .command("lab")
    .description("settle every claim of the seed by computation: verdict table and report.html")
    .option("--only <prefix>", "only the claims whose id starts with this (e.g. Q3 or Q5b.)", "")
    .option("--quick", "smaller sweeps and fewer seeds (same verdict logic), under 90 s")
    .option(
      "--json",
      "print a JSON array: one { id, verdict, evidence, correction } per claim (formulas as TeX in $…$)",
    )
    .option("--out <dir>", "where report.html and results.json go", "runs/lab")
    .option("--seed <n>", "random seed", "1")
    .action((options: LabOptions) => labCommand(options));
}

function labCommand(options: LabOptions): void {
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
    return;
  }
  process.stdout.write(verdictTable(results, selected, Math.max(60, process.stdout.columns ?? 100)));
  process.stdout.write(`\nreport: ${reportPath}\n`);
}

const summary = (r: ClaimResult) => ({
  id: r.id,
  verdict: r.verdict,
  evidence: r.evidence,
  correction: r.correction,
});
