import { appendFileSync, existsSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Checkpoint } from "../../src/io/checkpoint.js";
import { encodeCheckpoint } from "../../src/io/checkpoint.js";
import type { MetricRecord } from "../../src/train/metrics.js";
import { writeFileAtomic } from "../files.js";

/** A run's folder: checkpoint.safetensors, metrics.jsonl, report.html. */
export function runPaths(out: string) {
  return {
    checkpoint: join(out, "checkpoint.safetensors"),
    metrics: join(out, "metrics.jsonl"),
    report: join(out, "report.html"),
  };
}

/** Atomic save. RNNLAB_FAULT_WRITE_DELAY_MS (tests only) pauses halfway through the temporary
 *  file, so a test can kill the process mid-write and check the previous checkpoint survives. */
export function saveCheckpoint(path: string, ckpt: Checkpoint): void {
  const delay = Number(process.env.RNNLAB_FAULT_WRITE_DELAY_MS ?? 0);
  const bytes = encodeCheckpoint(ckpt);
  if (!(delay > 0)) {
    writeFileAtomic(path, bytes);
    return;
  }
  writeFileAtomic(path, bytes, (fd, data) => {
    const half = Math.floor(data.length / 2);
    writeAllSync(fd, data.subarray(0, half));
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delay);
    writeAllSync(fd, data.subarray(half));
  });
}

function writeAllSync(fd: number, data: Uint8Array): void {
  let offset = 0;
  while (offset < data.length) offset += writeSync(fd, data, offset);
}

export function appendMetric(path: string, record: MetricRecord): void {
  appendFileSync(path, `${JSON.stringify(record)}\n`);
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
