import { randomBytes } from "node:crypto";
import {
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { UserError } from "../errors.js";
import { describeFsError, isTempNameOf, removeQuietly, tempNameFor } from "../files.js";

// A run folder belongs to one process. The lock is DIR/.lock, a JSON line {pid, host, startedAt,
// token}, made whole and exclusive at once: written to a temporary file, then hard-linked to .lock,
// which fails with EEXIST when a lock is there (where the file system has no hard links, an O_EXCL
// create and a write). A lock whose pid is alive on this host refuses the run, --force or not; one
// whose pid is dead is stale and taken over, with a note. A lock from another host cannot be judged
// by its pid: the run is refused, and the message says how to remove it.
//
// The files a run folder may hold, whose temporary files (".NAME.<12 hex>.tmp", from writers killed
// mid-write) are removed once the lock is held: no other process can be writing them then.
const RUN_FILES = ["checkpoint.safetensors", "metrics.jsonl", "report.html", ".lock"];
const LOCK = ".lock";
/** Tokens of the locks this process holds: a lock with this process's pid is alive only if listed
 *  (else it is a stale one whose pid was reused, e.g. by a container's restart). */
const held = new Set<string>();

export interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  /** Tells this lock from a later one of the same pid (removal checks it). */
  token: string;
}

export interface RunLock {
  readonly path: string;
  readonly owner: LockOwner;
  /** Removes the lock if it is still this one; and the folder, when the lock made it and it is
   *  empty (a run refused before writing anything leaves nothing behind). Safe to call twice. */
  release(): void;
}

/** Takes DIR's lock (making DIR if needed) and removes the stale temporary files of its run files.
 *  Throws a UserError naming the owner when another live process holds it. Notes (a stale lock
 *  taken over, temporary files removed) go to `note`. Release it in a `finally`. */
export function lockRunFolder(dir: string, note: (line: string) => void = stderrNote): RunLock {
  const created = makeFolder(dir);
  const path = join(dir, LOCK);
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    token: randomBytes(8).toString("hex"),
  };
  for (let attempt = 0; !tryCreate(path, owner); attempt++) {
    const holder = readLock(path);
    if (holder === "gone") continue; // released between our try and our read: try again
    if (attempt >= 3) throw new UserError(`cannot take the lock ${path}: other processes keep taking it`);
    refuseUnlessStale(dir, path, holder);
    if (takeOver(path, holder)) {
      note(
        `took over the stale lock of pid ${holder.pid} (started ${holder.startedAt}), which is no longer running`,
      );
    }
  }
  held.add(owner.token);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    held.delete(owner.token);
    process.removeListener("exit", release);
    const now = readLock(path);
    if (typeof now === "object" && now.token === owner.token) removeQuietly(path);
    if (created !== undefined) removeEmptyFolder(dir);
  };
  // A backstop for process.exit() paths that skip the caller's finally.
  process.on("exit", release);
  const removed = removeStaleTempFiles(dir);
  if (removed.length > 0)
    note(`removed ${removed.length} temporary file(s) left by a killed run: ${removed.join(", ")}`);
  return { path, owner, release };
}

/** Removes DIR's temporary files of its run files (tempNameFor's names only); returns their names.
 *  Call it only while holding DIR's lock. */
export function removeStaleTempFiles(dir: string): string[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  const stale = files.filter((file) => RUN_FILES.some((name) => isTempNameOf(file, name)));
  for (const file of stale) removeQuietly(join(dir, file));
  return stale;
}

/** SIGINT and SIGTERM, watched until dispose(): the first one sets `signal` instead of ending the
 *  process, so a loop that yields to the event loop can stop between steps and release its lock;
 *  a second one ends the process as usual (its lock is then stale, and taken over next time). A
 *  loop that never yields must not watch: the signal would wait for the loop's end. */
export interface StopSignals {
  readonly signal: NodeJS.Signals | null;
  dispose(): void;
}

export function watchStopSignals(): StopSignals {
  let signal: NodeJS.Signals | null = null;
  const names: NodeJS.Signals[] = ["SIGINT", "SIGTERM"];
  const onSignal = (received: NodeJS.Signals) => {
    signal = received;
    for (const name of names) process.removeListener(name, onSignal);
  };
  for (const name of names) process.on(name, onSignal);
  return {
    get signal() {
      return signal;
    },
    dispose: () => {
      for (const name of names) process.removeListener(name, onSignal);
    },
  };
}

/** The exit status of a process ended by `signal`: 128 + its number, as a shell reports it. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return signal === "SIGINT" ? 130 : 143;
}

/** Creates the lock whole if none exists; false when one does. */
function tryCreate(path: string, owner: LockOwner): boolean {
  const text = `${JSON.stringify(owner)}\n`;
  const temp = join(path, "..", tempNameFor(LOCK));
  try {
    writeFileSync(temp, text, { flag: "wx" });
    linkSync(temp, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP" || code === "ENOSYS")
      return createExclusive(path, text);
    throw new UserError(`cannot create the lock ${path}: ${describeFsError(error)}`);
  } finally {
    removeQuietly(temp);
  }
}

/** Without hard links: an O_EXCL create, then the text (a reader may briefly see it empty). */
function createExclusive(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new UserError(`cannot create the lock ${path}: ${describeFsError(error)}`);
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readLock(path: string): LockOwner | "gone" | "unreadable" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? "gone" : "unreadable";
  }
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    const valid =
      Number.isInteger(owner.pid) &&
      (owner.pid as number) > 0 &&
      typeof owner.host === "string" &&
      typeof owner.startedAt === "string" &&
      typeof owner.token === "string";
    return valid ? (owner as LockOwner) : "unreadable";
  } catch {
    return "unreadable";
  }
}

/** Throws the one-line refusal unless `holder` is a dead process of this host. */
function refuseUnlessStale(
  dir: string,
  path: string,
  holder: LockOwner | "unreadable",
): asserts holder is LockOwner {
  const remove = `if no run is using ${dir}, delete ${path}`;
  if (holder === "unreadable")
    throw new UserError(`${dir} is locked (${path}), and the lock cannot be read: ${remove}`);
  if (holder.host !== hostname()) {
    throw new UserError(
      `${dir} is locked by pid ${holder.pid} on host ${holder.host} (since ${holder.startedAt}), which this host cannot check: ${remove}`,
    );
  }
  const alive = holder.pid === process.pid ? held.has(holder.token) : isAlive(holder.pid);
  if (alive) {
    throw new UserError(
      `${dir} is in use by another run: pid ${holder.pid} on ${holder.host} since ${holder.startedAt} (--force does not override this): wait for it to end or use another --out; ${remove}`,
    );
  }
}

/** process.kill(pid, 0) sends nothing and checks: ESRCH means no such process; EPERM, one that is
 *  alive but another user's. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Moves the stale lock aside under a unique name (atomic), then checks it moved that lock and not
 *  one a faster process had just taken over; that one goes back. False when it was put back. */
function takeOver(path: string, stale: LockOwner): boolean {
  const aside = join(path, "..", tempNameFor(LOCK));
  try {
    renameSync(path, aside);
  } catch {
    return false; // gone already: the caller's next try creates it
  }
  const moved = readLock(aside);
  if (typeof moved === "object" && moved.token === stale.token) {
    removeQuietly(aside);
    return true;
  }
  try {
    linkSync(aside, path);
  } catch {
    // Yet another lock is there now: leave it; the caller reads it next.
  }
  removeQuietly(aside);
  return false;
}

/** mkdir -p; the first folder it made, if any. */
function makeFolder(dir: string): string | undefined {
  try {
    return mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new UserError(`cannot make the run folder '${dir}': ${describeFsError(error)}`);
  }
}

function removeEmptyFolder(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty (the run wrote files) or already gone: it stays.
  }
}

function stderrNote(line: string): void {
  process.stderr.write(`rnnlab: note: ${line}\n`);
}
