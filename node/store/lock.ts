import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  fstatSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { StoreError } from "./errors.js";
import { pidAlive } from "./machine.js";

// The store's own lock, taken around every transaction, reads included. node-sqlite3-wasm locks with
// a directory `<db>.lock` (mkdir), exclusive, answering SQLITE_BUSY at once, and a SIGKILLed holder
// leaves it behind for good. So each process first takes `<db>.owner`, created exclusively and
// naming its holder: others wait while the holder lives, and a holder on this host whose pid is gone
// is stale. Whoever holds the owner file is the only one that can be inside SQLite, so a `<db>.lock`
// found then was left by a dead holder and is removed; SQLite rolls back its hot journal on the next
// read.

export interface OwnerRecord {
  pid: number;
  host: string;
  /** ISO 8601. */
  since: string;
  /** Tells this holding apart from a later one by the same pid. */
  token: string;
}

/** An owner file that cannot be parsed this much later was left by a holder killed between creating
 *  and writing it (a live one writes it microseconds after). */
const UNREADABLE_STALE_MS = 2000;
const FIRST_PAUSE_MS = 2;
const LONGEST_PAUSE_MS = 20;

export class OwnerLock {
  readonly ownerPath: string;
  readonly driverLockPath: string;
  private depth = 0;
  /** The inode of the owner file this process made, while it holds it. */
  private held: number | null = null;

  constructor(
    readonly dbPath: string,
    readonly timeoutMs: number,
  ) {
    this.ownerPath = `${dbPath}.owner`;
    this.driverLockPath = `${dbPath}.lock`;
  }

  /** Runs `fn` holding the lock; a call from inside `fn` runs at once. */
  hold<T>(fn: () => T): T {
    if (this.depth > 0) return this.nested(fn);
    this.acquire();
    this.depth = 1;
    try {
      return fn();
    } finally {
      this.depth = 0;
      this.release();
    }
  }

  private nested<T>(fn: () => T): T {
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }

  private acquire(): void {
    const deadline = Date.now() + this.timeoutMs;
    let pause = FIRST_PAUSE_MS;
    for (;;) {
      if (this.tryCreate()) {
        removeDir(this.driverLockPath);
        return;
      }
      const holder = readOwner(this.ownerPath);
      if (holder === "gone") continue;
      if (this.isStale(holder)) {
        this.removeStale(holder);
        continue;
      }
      if (Date.now() >= deadline) throw new StoreError(this.busyMessage(holder));
      sleepMs(pause * (0.5 + Math.random() / 2));
      pause = Math.min(LONGEST_PAUSE_MS, pause * 2);
    }
  }

  /** Creates the owner file ("wx": fails when it exists); false when another holds it. */
  private tryCreate(): boolean {
    const record: OwnerRecord = {
      pid: process.pid,
      host: hostname(),
      since: new Date().toISOString(),
      token: randomBytes(8).toString("hex"),
    };
    let fd: number;
    try {
      fd = openSync(this.ownerPath, "wx");
    } catch (error) {
      if (errorCode(error) === "EEXIST") return false;
      throw new StoreError(`cannot lock the run store ${this.dbPath}: ${describe(error)}`);
    }
    try {
      writeSync(fd, JSON.stringify(record));
      this.held = fstatSync(fd).ino;
    } finally {
      closeSync(fd);
    }
    return true;
  }

  private release(): void {
    const mine = this.held;
    this.held = null;
    // Only our own holding: after a takeover by mistake the file may be another's.
    if (mine !== null && inodeOf(this.ownerPath) === mine) unlinkQuietly(this.ownerPath);
  }

  private isStale(holder: OwnerRecord | null): boolean {
    if (holder === null) return ageMs(this.ownerPath) > UNREADABLE_STALE_MS;
    return holder.host === hostname() && !pidAlive(holder.pid);
  }

  /** Moves the stale owner file aside (one rename: of several waiters, one wins), then checks that
   *  what moved is the file judged stale and not a holding taken since; that one is put back. */
  private removeStale(holder: OwnerRecord | null): void {
    const aside = `${this.ownerPath}.stale-${process.pid}-${randomBytes(4).toString("hex")}`;
    try {
      renameSync(this.ownerPath, aside);
    } catch (error) {
      if (errorCode(error) === "ENOENT") return;
      throw new StoreError(`cannot remove the stale lock ${this.ownerPath}: ${describe(error)}`);
    }
    const moved = readOwner(aside);
    const sameHolding =
      holder === null ? moved === null : typeof moved === "object" && moved?.token === holder.token;
    if (!sameHolding) restore(aside, this.ownerPath);
    unlinkQuietly(aside);
  }

  private busyMessage(holder: OwnerRecord | null): string {
    const who =
      holder === null
        ? "an unreadable owner file holds it"
        : `pid ${holder.pid} on ${holder.host} has held it since ${holder.since}`;
    return (
      `the run store ${this.dbPath} is busy: ${who} (waited ${this.timeoutMs / 1000} s); ` +
      `if that process is gone, delete ${this.ownerPath}`
    );
  }
}

/** The owner file's record; null when it cannot be parsed; "gone" when there is none. */
function readOwner(path: string): OwnerRecord | null | "gone" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return "gone";
    return null;
  }
  try {
    const value: unknown = JSON.parse(text);
    return isOwnerRecord(value) ? value : null;
  } catch {
    return null;
  }
}

function isOwnerRecord(value: unknown): value is OwnerRecord {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.pid === "number" &&
    typeof record.host === "string" &&
    typeof record.since === "string" &&
    typeof record.token === "string"
  );
}

/** Puts a live holder's file back, unless a new holder came in between (then both hold it: the
 *  window is a rename, a read and a link long, and needs a stale holder to start with). */
function restore(aside: string, ownerPath: string): void {
  try {
    linkSync(aside, ownerPath);
  } catch {
    // EEXIST: the newcomer holds it now.
  }
}

function inodeOf(path: string): number | null {
  try {
    return statSync(path).ino;
  } catch {
    return null;
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function removeDir(path: string): void {
  if (!existsSync(path)) return;
  try {
    rmdirSync(path);
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw new StoreError(`cannot remove ${path}: ${describe(error)}`);
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

const pauseCell = new Int32Array(new SharedArrayBuffer(4));

/** A synchronous sleep: every store call is synchronous. */
function sleepMs(ms: number): void {
  Atomics.wait(pauseCell, 0, 0, ms);
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException)?.code;
}

function describe(error: unknown): string {
  return String((error as Error)?.message ?? error).split("\n")[0];
}
