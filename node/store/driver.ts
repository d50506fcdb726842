import { createRequire } from "node:module";
import type { Database } from "node-sqlite3-wasm";
import { StoreError } from "./errors.js";
import { rollBackHotJournal } from "./recovery.js";

// node-sqlite3-wasm: SQLite compiled to WebAssembly with a Node fs VFS, so it installs from npm with
// no compiler and no download. It is an optional peer dependency: loaded when a store is opened, so
// that the commands that need no store run without it.

type Driver = typeof import("node-sqlite3-wasm");

let driver: Driver | undefined;

function loadDriver(): Driver {
  if (driver) return driver;
  try {
    driver = createRequire(import.meta.url)("node-sqlite3-wasm") as Driver;
  } catch (error) {
    throw new StoreError(
      `the run store needs the node-sqlite3-wasm package (npm install node-sqlite3-wasm): ${firstLine(error)}`,
    );
  }
  return driver;
}

/** Opens the SQLite file (created when missing) with a rollback journal and full syncs: each
 *  transaction is all or nothing across a crash. Call holding the owner lock. `label`: the path as
 *  the user gave it, for messages. */
export function openDatabase(file: string, label: string): Database {
  const { Database } = loadDriver();
  const db = asStoreErrors(label, () => new Database(file));
  try {
    asStoreErrors(label, () => {
      rollBackHotJournal(db, file);
      db.exec("PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL");
    });
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** Runs `fn`, giving SQLite's errors as one-line StoreErrors that name the file. */
export function asStoreErrors<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof StoreError || !isSqliteError(error)) throw error;
    throw new StoreError(describeSqliteError(path, error.message));
  }
}

function isSqliteError(error: unknown): error is Error {
  return error instanceof Error && error.constructor.name === "SQLite3Error";
}

function describeSqliteError(path: string, message: string): string {
  const reason = firstLine(message);
  if (/not a database|malformed|corrupt/i.test(reason)) {
    return (
      `${path} is not a readable run store (${reason}): move it aside (mv ${path} ${path}.bad) ` +
      "and a new store is started, or give another --store"
    );
  }
  return `run store ${path}: ${reason}`;
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split("\n")[0];
}
