import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { type Command, Option } from "commander";
import { requestNodeGpu } from "../../node/webgpu.js";
import type { GpuContext } from "../../src/gpu/context.js";
import { PARITY_TOLERANCE, type ParityReport, runParity, runParityOnGpu } from "../../src/parity/index.js";
import type { DType } from "../../src/tensor.js";
import { type Device, devices, gpuRefusal } from "../device.js";
import { UserError } from "../errors.js";

interface ParityOptions {
  dtype: "float64" | "float32" | "both";
  device?: Device;
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
    .addOption(
      new Option("--device <d>", "where it runs: cpu, or webgpu (a GPU through WebGPU, float32 only)")
        .choices(devices)
        .default("cpu"),
    )
    .option("--summary", "one line per file: its largest error in each precision")
    .option("--json", "print the reports as JSON")
    .action(async (files: string[], options: ParityOptions) => {
      const print = (line: string) => process.stdout.write(`${line}\n`);
      process.exitCode =
        options.device === "webgpu"
          ? await parityOnGpuCommand(files, options, print)
          : parityCommand(files, options, print);
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
      outcome.errors.push(fileError(file, error));
    }
  }
  return outcome;
}

/** runParityFiles on the GPU of `context` (float32). */
export async function runParityFilesOnGpu(files: string[], context: GpuContext): Promise<ParityOutcome> {
  const outcome: ParityOutcome = { reports: [], errors: [] };
  for (const file of files) {
    try {
      outcome.reports.push(await runParityOnGpu(readJson(file), file, context));
    } catch (error) {
      outcome.errors.push(fileError(file, error));
    }
  }
  return outcome;
}

/** The library's messages may start with the source already; it is printed once. */
function fileError(file: string, error: unknown): { source: string; error: string } {
  const message = (error as Error).message;
  return { source: file, error: message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message };
}

/** parityCommand with --device webgpu: float32 on the GPU, no CPU fallback (a check of the GPU).
 *  Exit 2 without WebGPU. */
export async function parityOnGpuCommand(
  files: string[],
  options: ParityOptions,
  print: (line: string) => void,
): Promise<number> {
  checkOptions(options);
  if (options.dtype === "float64")
    throw gpuRefusal("the WebGPU backend computes in float32: use --dtype float32");
  const request = await requestNodeGpu();
  if ("reason" in request) {
    throw new UserError(`--device webgpu: ${request.reason}; parity checks the GPU, so nothing ran`);
  }
  const { context } = request;
  try {
    return report(await runParityFilesOnGpu(files, context), ["float32"], options, print);
  } finally {
    context.destroy();
  }
}

/** Exit code: 0 when every quantity is within tolerance, 1 when some is not, 2 when a file is bad. */
export function parityCommand(
  files: string[],
  options: ParityOptions,
  print: (line: string) => void,
): number {
  checkOptions(options);
  const dtypes: DType[] = options.dtype === "both" ? ["float64", "float32"] : [options.dtype];
  return report(runParityFiles(files, dtypes), dtypes, options, print);
}

function checkOptions(options: ParityOptions): void {
  if (options.json && options.summary)
    throw new UserError("--summary does nothing with --json: drop one of them");
}

/** Prints the outcome; the exit code: 0 when every quantity of every file ran and is within
 *  tolerance, 1 when some is not (or did not run on the GPU), 2 when a file is bad. */
function report(
  outcome: ParityOutcome,
  dtypes: DType[],
  options: ParityOptions,
  print: (line: string) => void,
): number {
  if (options.json) print(JSON.stringify(outcome));
  else if (outcome.reports.length > 0) printTable(outcome, dtypes, options.summary ?? false, print);
  for (const e of outcome.errors) process.stderr.write(`rnnlab parity: ${e.source}: ${e.error}\n`);
  if (outcome.errors.length > 0) return 2;
  return outcome.reports.every((r) => r.ok && !r.notRun) ? 0 : 1;
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
    const head = `${basename(report.source)} (${report.kind})`;
    if (report.runs.length === 0) {
      print(`${head.padEnd(nameWidth)}  not run: ${(report.notRun ?? []).join("; ")}`);
      continue;
    }
    const worst = report.runs.map((run) =>
      run.quantities.reduce((a, q) => (q.error > a.error ? q : a), run.quantities[0]),
    );
    print(`${head.padEnd(nameWidth)}${worst.map((q, k) => cell(q.error, report.runs[k].ok)).join("")}`);
    if (!summary) {
      report.runs[0].quantities.forEach((q, i) => {
        const cells = report.runs.map((run) => cell(run.quantities[i].error, run.quantities[i].ok));
        print(`  ${q.name.padEnd(nameWidth - 2)}${cells.join("")}`);
      });
    }
    for (const what of report.notRun ?? []) print(`  not run: ${what}`);
  }
  const passed = outcome.reports.filter((r) => r.ok && !r.notRun).length;
  const total = outcome.reports.length + outcome.errors.length;
  const limits = dtypes.map((d) => `${d} ${PARITY_TOLERANCE[d]}`).join(", ");
  const failed = outcome.errors.length > 0 || outcome.reports.some((r) => r.runs.length > 0 && !r.ok);
  const verdict = failed ? "FAIL" : passed === total ? "PASS" : "NOT ALL RUN";
  print(
    `${verdict}: ${passed}/${total} files within tolerance (scaled error max|a-b|/max(1,max|b|); ${limits})${notRunSummary(outcome.reports)}`,
  );
}

/** "; not run on the GPU: 12 files (7 bidirectional layers; 4 …), parts of 2 (see above)", or "". */
function notRunSummary(reports: readonly ParityReport[]): string {
  const whole = reports.filter((r) => r.notRun && r.runs.length === 0);
  const partly = reports.filter((r) => r.notRun && r.runs.length > 0);
  if (whole.length + partly.length === 0) return "";
  const reasons = new Map<string, number>();
  for (const r of whole) for (const why of r.notRun ?? []) reasons.set(why, (reasons.get(why) ?? 0) + 1);
  const parts = [];
  if (whole.length > 0) {
    // "the WebGPU backend does not run bidirectional layers yet" counts as "bidirectional layers".
    const what = (why: string) => why.replace(/^the WebGPU backend does not run (.*) yet$/, "$1");
    const counts = [...reasons].map(([why, n]) => `${n} ${what(why)}`);
    parts.push(`${whole.length} file${whole.length === 1 ? "" : "s"} (${counts.join("; ")})`);
  }
  if (partly.length > 0) parts.push(`parts of ${partly.length} (see above)`);
  return `; not run on the GPU: ${parts.join(", ")}`;
}
