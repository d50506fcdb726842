import { writeSync } from "node:fs";
import { basename } from "node:path";

// Fault hooks of the file writers in files.ts, for the fault-injection tests (test/fault-*.test.ts).
// Unset, each costs one environment lookup per write.

/** Writes all of `bytes` to an open file descriptor (files.ts's Writer). */
type Writer = (fd: number, bytes: Uint8Array) => void;

/** Where a pause can stop an atomic write: half the temporary file written; all of it written and
 *  fsynced, not yet renamed; renamed over the target, the directory not yet fsynced. */
export const WRITE_PHASES = ["half", "synced", "renamed"] as const;
export type WritePhase = (typeof WRITE_PHASES)[number];

/** RNNLAB_FAULT_WRITE_DELAY_MS=ms pauses every atomic write of checkpoint.safetensors (or of the
 *  file RNNLAB_FAULT_WRITE_FILE names) for ms at RNNLAB_FAULT_WRITE_PHASE (default "half"), after
 *  saying "rnnlab: fault: paused at PHASE of PATH" on stderr, so a test can kill the process there.
 *  Returns the pause to call at each phase (it pauses only at the chosen one), or null. */
export function faultPause(path: string): ((phase: WritePhase) => void) | null {
  const delay = Number(process.env.RNNLAB_FAULT_WRITE_DELAY_MS ?? 0);
  if (!(delay > 0)) return null;
  if (basename(path) !== (process.env.RNNLAB_FAULT_WRITE_FILE ?? "checkpoint.safetensors")) return null;
  const chosen = process.env.RNNLAB_FAULT_WRITE_PHASE ?? "half";
  return (phase) => {
    if (phase !== chosen) return;
    process.stderr.write(`rnnlab: fault: paused at ${phase} of ${path}\n`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delay);
  };
}

/** `write` split in two halves with pause("half") between them. */
export function pausingHalfway(write: Writer, pause: (phase: WritePhase) => void): Writer {
  return (fd, bytes) => {
    const half = Math.floor(bytes.length / 2);
    write(fd, bytes.subarray(0, half));
    pause("half");
    write(fd, bytes.subarray(half));
  };
}

/** RNNLAB_FAULT_WRITE_ERROR=CODE (e.g. ENOSPC) makes every write of files.ts's helpers fail with
 *  that error code after half its bytes (a full disk, simulated); CODE:NAME[,NAME...] fails only the
 *  writes to files of those names (checkpoint.safetensors, report.html, metrics.jsonl). Returns the
 *  failing writer (fd -1: an append, nothing written), or null. */
export function writeFault(path: string): Writer | null {
  const spec = process.env.RNNLAB_FAULT_WRITE_ERROR;
  if (!spec) return null;
  const [code, names] = spec.split(":");
  if (names !== undefined && !names.split(",").includes(basename(path))) return null;
  return (fd, bytes) => {
    const half = bytes.subarray(0, Math.floor(bytes.length / 2));
    for (let written = 0; fd >= 0 && written < half.length; ) written += writeSync(fd, half, written);
    throw Object.assign(new Error(`${code}: simulated by RNNLAB_FAULT_WRITE_ERROR`), { code });
  };
}
