import { randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
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
 *  left as it was. Creates missing parent directories. */
export function writeFileAtomic(path: string, data: Uint8Array | string, write: Writer = writeAll): void {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  const directory = dirname(resolve(path));
  const temp = join(directory, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    mkdirSync(directory, { recursive: true });
    const fd = openSync(temp, "wx");
    try {
      write(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    removeQuietly(temp);
    throw new UserError(`cannot write '${path}': ${describeFsError(error)}`);
  }
  syncDirectory(directory);
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
function removeQuietly(path: string): void {
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
  EACCES: "permission denied",
  EPERM: "permission denied",
  ENOSPC: "no space left on the device",
  EROFS: "the file system is read-only",
};

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && FS_ERRORS[code] !== undefined) return FS_ERRORS[code];
  return code ?? (error as Error).message;
}
