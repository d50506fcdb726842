import { randomBytes } from "node:crypto";
import {
  appendFileSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statfsSync,
  statSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { FormatError } from "../src/errors.js";
import {
  type Checkpoint,
  type DecodeCheckpointOptions,
  decodeCheckpoint,
  encodeCheckpoint,
  NotACheckpointError,
} from "../src/io/checkpoint.js";
import { UserError } from "./errors.js";
import { faultPause, pausingHalfway, writeFault } from "./write-faults.js";

/** Writes all of `bytes` to an open file descriptor. */
export type Writer = (fd: number, bytes: Uint8Array) => void;

/** The file's bytes, or a UserError such as "cannot read checkpoint 'x': no such file". */
export function readFileOrFail(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UserError(`cannot read ${what} '${path}': ${describeFsError(error)}`);
  }
}

/** Replaces `path` whole or not at all: writes a temporary file in the same directory, fsyncs it
 *  and renames it over the target. On failure the temporary file is removed and the old target is
 *  left as it was. Creates missing parent directories. Needs free space for the old file and the
 *  new one together, until the rename. */
export function writeFileAtomic(path: string, data: Uint8Array | string, write: Writer = writeAll): void {
  try {
    replaceAtomically(path, data, write);
  } catch (error) {
    throw new UserError(`cannot write '${path}': ${describeFsError(error)}`);
  }
}

/** writeFileAtomic for a file that others can regenerate (report.html from metrics.jsonl): when the
 *  disk has no room for both copies (ENOSPC), removes the old file and writes once more, so it never
 *  needs more free space than the new file's size. Killed between that removal and the rename, the
 *  file is missing (never torn) until the next write: the run's next save, or its --resume, writes it
 *  again; what is lost is a page rebuilt from data that is kept. */
export function writeRegeneratedFile(
  path: string,
  data: Uint8Array | string,
  write: Writer = writeAll,
): void {
  try {
    replaceAtomically(path, data, write);
    return;
  } catch (error) {
    const size = typeof data === "string" ? Buffer.byteLength(data) : data.length;
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC" || !fitsWithout(path, size))
      throw new UserError(`cannot write '${path}': ${describeFsError(error)}`);
  }
  removeQuietly(path);
  writeFileAtomic(path, data, write);
}

/** Whether `size` bytes would fit once the file at `path` is removed (true when unknown). */
function fitsWithout(path: string, size: number): boolean {
  try {
    const fs = statfsSync(dirname(resolve(path)));
    // The fault hook's full disk has no free space at all.
    const free = writeFault(path) ? 0 : fs.bavail * fs.bsize;
    return free + statSync(path).size >= size;
  } catch {
    return true;
  }
}

/** writeFileAtomic's steps, throwing the file system's own error. */
function replaceAtomically(path: string, data: Uint8Array | string, write: Writer): void {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  const directory = dirname(resolve(path));
  const temp = join(directory, tempNameFor(basename(path)));
  const faulty = writeFault(path);
  const pause = faultPause(path);
  try {
    mkdirSync(directory, { recursive: true });
    const fd = openSync(temp, "wx");
    try {
      (faulty ?? (pause ? pausingHalfway(write, pause) : write))(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    pause?.("synced");
    renameSync(temp, path);
  } catch (error) {
    removeQuietly(temp);
    throw error;
  }
  pause?.("renamed");
  syncDirectory(directory);
}

/** The temporary name writeFileAtomic gives a new version of `name`: ".NAME.<12 hex>.tmp". */
export function tempNameFor(name: string): string {
  return `.${name}.${randomBytes(6).toString("hex")}.tmp`;
}

/** Whether `file` is a temporary file of tempNameFor(`name`), left behind by a killed writer. */
export function isTempNameOf(file: string, name: string): boolean {
  const prefix = `.${name}.`;
  return file.startsWith(prefix) && /^[0-9a-f]{12}\.tmp$/.test(file.slice(prefix.length));
}

/** Appends to a file (metrics.jsonl); a failure is a UserError naming the file. */
export function appendFileOrFail(path: string, text: string): void {
  try {
    const fault = writeFault(path);
    if (fault) fault(-1, new Uint8Array(0));
    appendFileSync(path, text);
  } catch (error) {
    throw new UserError(`cannot write '${path}': ${describeFsError(error)}`);
  }
}

export function saveCheckpointFile(path: string, ckpt: Checkpoint): void {
  writeFileAtomic(path, encodeCheckpoint(ckpt));
}

/** Reads a checkpoint; a malformed one gives "checkpoint 'x' is corrupt: ...". */
export function loadCheckpointFile(path: string, options: DecodeCheckpointOptions = {}): Checkpoint {
  const bytes = readFileOrFail(path, "checkpoint");
  try {
    return decodeCheckpoint(bytes, options);
  } catch (error) {
    if (error instanceof NotACheckpointError) throw new FormatError(`checkpoint '${path}': ${error.message}`);
    if (error instanceof FormatError)
      throw new FormatError(`checkpoint '${path}' is corrupt: ${error.message}`);
    throw error;
  }
}

/** Removes a file if it exists; a failure here must not hide the error being reported. */
export function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // e.g. ENOTDIR when the directory was never created: there is nothing to remove.
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
}

/** Makes the rename itself durable; not possible on every platform, so failure is ignored. */
function syncDirectory(directory: string): void {
  try {
    const fd = openSync(directory, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // A directory cannot be opened for fsync on Windows; the rename is still atomic.
  }
}

const FS_ERRORS: Record<string, string> = {
  ENOENT: "no such file",
  EISDIR: "it is a directory",
  ENOTDIR: "a parent of it is not a directory",
  EEXIST: "a file of that name is in the way",
  EACCES: "permission denied",
  EPERM: "permission denied",
  ENOSPC: "no space left on the device",
  EROFS: "the file system is read-only",
};

/** "no such file", "permission denied"... for a file system error, else its code or message. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && FS_ERRORS[code] !== undefined) return FS_ERRORS[code];
  return code ?? (error as Error).message;
}
