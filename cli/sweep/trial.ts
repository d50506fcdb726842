// One trial: `rnnlab <argv> --out <dir> --json --no-store` in a child process (its own memory and
// core; a crash or a kill ends the trial, not the sweep). Its metric records stream from the
// metrics.jsonl it writes, its summary is the JSON line it ends with. The coordinator records both in
// the run store, so the child writes none.

import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { fileURLToPath } from "node:url";
import type { MetricRecord, MetricValue } from "../../node/store/types.js";
import { verdictCounts } from "../commands/lab.js";
import { metricRecordOf } from "../store-record.js";
import type { Trial, TrialResult } from "./types.js";

/** dist/cli/main.js, from dist/cli/sweep/trial.js. */
const CLI_MAIN = fileURLToPath(new URL("../main.js", import.meta.url));
const POLL_MS = 250;

export interface TrialOptions {
  /** The trial's folder (its --out). */
  dir: string;
  /** Each metric record as it appears; "stop" ends the trial (SIGTERM), which then ends "stopped". */
  onRecord?: (record: MetricRecord) => "continue" | "stop" | undefined;
  signal?: AbortSignal;
}

export function runTrial(trial: Trial, options: TrialOptions): Promise<TrialResult> {
  const { dir } = options;
  mkdirSync(dir, { recursive: true });
  const started = performance.now();
  const argv = [...trial.argv, "--out", dir, "--json", "--no-store"];
  if (trial.command === "train") {
    argv.push("--force"); // a retried trial starts over in its folder
    // Trials fill the cores side by side: one thread each unless the spec says otherwise.
    if (!argv.includes("--threads")) argv.push("--threads", "1");
  }
  const child = spawn(process.execPath, [CLI_MAIN, ...argv], { stdio: ["ignore", "pipe", "pipe"] });
  const stdout: string[] = [];
  const stderr = new StderrTail();
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => stdout.push(chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => stderr.push(chunk));
  const metrics: MetricRecord[] = [];
  const tail = new JsonlTail(join(dir, "metrics.jsonl"));
  let stopped = false;
  const drain = () => {
    for (const record of tail.read()) {
      metrics.push(record);
      if (!stopped && options.onRecord?.(record) === "stop") {
        stopped = true;
        child.kill("SIGTERM");
      }
    }
  };
  const timer = setInterval(drain, POLL_MS);
  const abort = () => child.kill("SIGTERM");
  options.signal?.addEventListener("abort", abort, { once: true });
  return new Promise((resolve) => {
    child.on("close", (code, signal) => {
      clearInterval(timer);
      options.signal?.removeEventListener("abort", abort);
      drain();
      const summary = summaryOf(trial, stdout.join(""));
      const failed = code !== 0 || summary === null;
      const killedBy = signal ?? signalOfExit(code);
      resolve({
        status: stopped ? "stopped" : !failed ? "finished" : killedBy ? "killed" : "failed",
        summary,
        metrics,
        error: stopped || !failed ? null : failure(child, code, killedBy, stderr.last()),
        artefacts: artefactsOf(dir, summary),
        seconds: (performance.now() - started) / 1000,
        machine: hostname(),
      });
    });
  });
}

/** The signal rnnlab's own handlers exit with 130 or 143 for, else null. */
function signalOfExit(code: number | null): string | null {
  return code === 130 ? "SIGINT" : code === 143 ? "SIGTERM" : null;
}

/** The failed trial's one line; a trial ended by a signal starts "killed by SIGxxx". */
function failure(child: ChildProcess, code: number | null, killedBy: string | null, line: string): string {
  if (killedBy !== null) return `killed by ${killedBy}${line ? `: ${line}` : ""}`;
  return line || `rnnlab exited with code ${code ?? "?"} (pid ${child.pid})`;
}

/** The trial's folder and the files its summary names (train: checkpoint, report, metrics). */
function artefactsOf(dir: string, summary: Record<string, MetricValue> | null): Record<string, string> {
  const artefacts: Record<string, string> = { dir };
  for (const key of ["checkpoint", "report", "metrics"]) {
    const value = summary?.[key];
    if (typeof value === "string") artefacts[key] = value;
  }
  return artefacts;
}

/** The trial's --json summary: the last JSON line of its output; the lab's (an array of claims)
 *  as its verdicts' counts. */
export function summaryOf(trial: Trial, stdout: string): Record<string, MetricValue> | null {
  const value = lastJsonLine(stdout);
  if (trial.command === "lab" && Array.isArray(value)) return verdictCounts(value as { verdict: string }[]);
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  return value as Record<string, MetricValue>;
}

function lastJsonLine(text: string): unknown {
  const lines = text.trim().split("\n").reverse();
  for (const line of lines) {
    if (!line.startsWith("{") && !line.startsWith("[")) continue;
    try {
      return JSON.parse(line) as unknown;
    } catch {
      // not JSON: an earlier line may be
    }
  }
  return null;
}

/** A metrics.jsonl line as a MetricRecord (metricRecordOf); a torn line is not one. */
export function metricRecord(line: string): MetricRecord | null {
  try {
    return metricRecordOf(JSON.parse(line) as unknown);
  } catch {
    return null;
  }
}

/** Reads the complete lines appended to a file since the last read. */
class JsonlTail {
  private offset = 0;
  private partial = "";
  /** Keeps a character split across two reads whole. */
  private readonly decoder = new StringDecoder("utf8");

  constructor(private readonly path: string) {}

  read(): MetricRecord[] {
    if (!existsSync(this.path)) return [];
    const fd = openSync(this.path, "r");
    let text = this.partial;
    try {
      const buffer = Buffer.alloc(1 << 16);
      for (let n = readSync(fd, buffer, 0, buffer.length, this.offset); n > 0; ) {
        text += this.decoder.write(buffer.subarray(0, n));
        this.offset += n;
        n = readSync(fd, buffer, 0, buffer.length, this.offset);
      }
    } finally {
      closeSync(fd);
    }
    const lines = text.split("\n");
    this.partial = lines.pop() ?? "";
    return lines.map(metricRecord).filter((r): r is MetricRecord => r !== null);
  }
}

/** The last non-empty line of stderr (a failed run's one-line reason), without keeping it all. */
class StderrTail {
  private text = "";

  push(chunk: string): void {
    this.text = (this.text + chunk).slice(-4096);
  }

  last(): string {
    const lines = this.text.replace(/\r/g, "\n").split("\n");
    for (let i = lines.length - 1; i >= 0; i--) if (lines[i].trim()) return lines[i].trim();
    return "";
  }
}
