import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database } from "node-sqlite3-wasm";

// What the store tests share: scratch folders, the child process that writes to a store
// (store-child.mjs, on dist/), and SQLite's own view of a file.

export const CHILD = join(import.meta.dirname, "store-child.mjs");

const driver: typeof import("node-sqlite3-wasm") = createRequire(import.meta.url)("node-sqlite3-wasm");

/** A fresh folder under the system's temporary folder; `cleanup()` removes every one made. */
const made: string[] = [];
export function scratchDir(): string {
  return madeUnder(tmpdir());
}

/** A scratch folder in memory (/dev/shm) where there is one, for tests of locking, not of
 *  durability: there fsync costs nothing, and it is most of a transaction on a disk. */
export function memoryScratchDir(): string {
  try {
    accessSync("/dev/shm", constants.W_OK);
    return madeUnder("/dev/shm");
  } catch {
    return scratchDir();
  }
}

function madeUnder(parent: string): string {
  const dir = mkdtempSync(join(parent, "rnnlab-store-"));
  made.push(dir);
  return dir;
}
export function cleanup(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Opens the file with the driver alone (no store, no lock): only when no store process runs. */
export function withRawDatabase<T>(path: string, fn: (db: Database) => T): T {
  const db = new driver.Database(path);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

export function integrity(path: string): unknown {
  return withRawDatabase(path, (db) => db.get("PRAGMA integrity_check")?.integrity_check);
}

export function startChild(args: string[], cwd?: string): ChildProcess {
  return spawn(process.execPath, [CHILD, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
}

export function runChild(
  args: string[],
  cwd?: string,
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CHILD, ...args], { cwd, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Resolves with the child's first stdout line that matches, rejects when it exits first. */
export function lineFrom(child: ChildProcess, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stderr?.on("data", (chunk) => {
      stderr += chunk;
    });
    child.stdout?.on("data", (chunk) => {
      stdout += chunk;
      const match = stdout.match(pattern);
      if (match) resolve(match);
    });
    child.on("exit", (code) => reject(new Error(`child exited (${code}) before ${pattern}: ${stderr}`)));
  });
}

/** The child's exit code and all it printed, once it has exited. */
export function exitOf(
  child: ChildProcess,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}

/** The pid of a process that has exited (and been reaped): a holder that is gone. */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
    encoding: "utf8",
  });
  return Number(child.stdout);
}
