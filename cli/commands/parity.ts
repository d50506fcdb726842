import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { type Command, Option } from "commander";
import { PARITY_TOLERANCE, type ParityReport, runParity } from "../../src/parity/index.js";
import type { DType } from "../../src/tensor.js";
import { UserError } from "../errors.js";

interface ParityOptions {
  dtype: "float64" | "float32" | "both";
  json?: boolean;
  summary?: boolean;
}

export function register(program: Command): void {
  program
    .command("parity")
    .description("check rnnlab against PyTorch reference fixtures (float64 and float32)")
    .argument("<files...>", "fixture JSON files (see tools/README.md to make your own)")
    .addOption(
      new Option("--dtype <dtype>", "which precision to run")
        .choices(["float64", "float32", "both"])
        .default("both"),
    )
    .option("--summary", "one line per file: its largest error in each precision")
    .option("--json", "print the reports as JSON")
    .action((files: string[], options: ParityOptions) => {
      process.exitCode = parityCommand(files, options, (line) => process.stdout.write(`${line}\n`));
    });
}

export interface ParityOutcome {
  reports: ParityReport[];
  errors: { source: string; error: string }[];
}

/** Runs every file; a file that cannot be read or parsed is reported and the rest still run. */
export function runParityFiles(files: string[], dtypes: DType[]): ParityOutcome {
  const outcome: ParityOutcome = { reports: [], errors: [] };
  for (const file of files) {
    try {
      outcome.reports.push(runParity(readJson(file), file, dtypes));
    } catch (error) {
      // The library's messages may start with the source already; it is printed once.
      const message = (error as Error).message;
      const own = message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message;
      outcome.errors.push({ source: file, error: own });
    }
  }
  return outcome;
}

/** Exit code: 0 when every quantity is within tolerance, 1 when some is not, 2 when a file is bad. */
export function parityCommand(
  files: string[],
  options: ParityOptions,
  print: (line: string) => void,
): number {
  if (options.json && options.summary)
    throw new UserError("--summary does nothing with --json: drop one of them");
  const dtypes: DType[] = options.dtype === "both" ? ["float64", "float32"] : [options.dtype];
  const outcome = runParityFiles(files, dtypes);
  if (options.json) print(JSON.stringify(outcome));
  else if (outcome.reports.length > 0) printTable(outcome, dtypes, options.summary ?? false, print);
  for (const e of outcome.errors) process.stderr.write(`rnnlab parity: ${e.source}: ${e.error}\n`);
  if (outcome.errors.length > 0) return 2;
  return outcome.reports.every((r) => r.ok) ? 0 : 1;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(
      code === "ENOENT" ? missingFile(file) : `cannot read (${code ?? (error as Error).message})`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UserError(`not valid JSON (${(error as Error).message})`);
  }
}

/** A pattern the shell left as it was matched no file: most likely none was written yet. */
function missingFile(file: string): string {
  if (!/[*?[]/.test(file)) return "no such file";
  return "no file matches this pattern (were the fixtures written? see tools/README.md)";
}

const cell = (error: number, ok: boolean) => `${error.toExponential(1).padStart(8)} ${ok ? "ok  " : "FAIL"}`;

function printTable(
  outcome: ParityOutcome,
  dtypes: DType[],
  summary: boolean,
  print: (line: string) => void,
): void {
  const nameWidth = 56;
  print(`${"file / quantity".padEnd(nameWidth)}${dtypes.map((d) => d.padStart(13)).join("")}`);
  for (const report of outcome.reports) {
    const worst = report.runs.map((run) =>
      run.quantities.reduce((a, q) => (q.error > a.error ? q : a), run.quantities[0]),
    );
    const head = `${basename(report.source)} (${report.kind})`;
    print(`${head.padEnd(nameWidth)}${worst.map((q, k) => cell(q.error, report.runs[k].ok)).join("")}`);
    if (summary) continue;
    report.runs[0].quantities.forEach((q, i) => {
      const cells = report.runs.map((run) => cell(run.quantities[i].error, run.quantities[i].ok));
      print(`  ${q.name.padEnd(nameWidth - 2)}${cells.join("")}`);
    });
  }
  const passed = outcome.reports.filter((r) => r.ok).length;
  const total = outcome.reports.length + outcome.errors.length;
  const limits = dtypes.map((d) => `${d} ${PARITY_TOLERANCE[d]}`).join(", ");
  print(
    `${passed === total ? "PASS" : "FAIL"}: ${passed}/${total} files within tolerance (scaled error max|a-b|/max(1,max|b|); ${limits})`,
  );
}
