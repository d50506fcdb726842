import fs from "node:fs";
import { resolve } from "node:path";
import type { Database } from "node-sqlite3-wasm";

// SQLite rolls a killed writer's half-done transaction back from its hot journal on the next read,
// provided no other connection holds a RESERVED lock. node-sqlite3-wasm answers that question
// (xCheckReservedLock) by looking for its `<db>.lock` folder, which the asking connection has just
// made for its own SHARED lock: the answer is always "held", and the journal is never played back.
// Under the store's owner lock no other process can be inside the file, so "held" is wrong: while
// the journal is there, the check is made to see no folder for the one read that plays it back.

/** Plays back the journal a killed writer left; true when there was one. Call holding the owner
 *  lock, with no transaction open. */
export function rollBackHotJournal(db: Database, path: string): boolean {
  if (!fs.existsSync(`${path}-journal`)) return false;
  const driverLock = resolve(`${path}.lock`);
  const accessSync = fs.accessSync;
  fs.accessSync = (file, mode) => {
    if (resolve(String(file)) === driverLock) throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
    accessSync(file, mode);
  };
  try {
    db.get("SELECT count(*) FROM sqlite_master");
  } finally {
    fs.accessSync = accessSync;
  }
  return true;
}
