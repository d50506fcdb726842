import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Checkpoint } from "../../src/io/checkpoint.js";
import { encodeCheckpoint } from "../../src/io/checkpoint.js";
import type { MetricRecord } from "../../src/train/metrics.js";
import { appendFileOrFail, writeFileAtomic } from "../files.js";

/** A run's folder: checkpoint.safetensors, metrics.jsonl, report.html, and .lock while a process
 *  runs in it (run-lock.ts). */
export function runPaths(out: string) {
  return {
    checkpoint: join(out, "checkpoint.safetensors"),
    metrics: join(out, "metrics.jsonl"),
    report: join(out, "report.html"),
  };
}

/** Atomic save (writeFileAtomic): a kill at any moment leaves the previous checkpoint or this
 *  one, whole. The fault hook RNNLAB_FAULT_WRITE_DELAY_MS (cli/write-faults.ts) pauses it. */
export function saveCheckpoint(path: string, ckpt: Checkpoint): void {
  writeFileAtomic(path, encodeCheckpoint(ckpt));
}

export function appendMetric(path: string, record: MetricRecord): void {
  appendFileOrFail(path, `${JSON.stringify(record)}\n`);
}

/** The records of metrics.jsonl; a torn last line (a killed run) is dropped. */
export function readMetrics(path: string): MetricRecord[] {
  if (!existsSync(path)) return [];
  const records: MetricRecord[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      records.push(JSON.parse(line) as MetricRecord);
    } catch {
      break;
    }
  }
  return records;
}

/** Rewrites metrics.jsonl with the records a resumed run keeps (those up to its checkpoint's step). */
export function writeMetrics(path: string, records: readonly MetricRecord[]): void {
  writeFileAtomic(path, records.map((r) => `${JSON.stringify(r)}\n`).join(""));
}
