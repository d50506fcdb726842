import { copyFileSync, existsSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RunStore, StoreError } from "../../node/store/index.js";
import { cleanup, scratchDir, withRawDatabase } from "./helpers.js";

// Files that are not a store this rnnlab can use: each gives one line naming the file and what to do,
// and is left as it was.

afterAll(cleanup);

function openError(path: string): StoreError {
  try {
    RunStore.open(path).close();
  } catch (error) {
    if (error instanceof StoreError) return error;
    throw error;
  }
  throw new Error(`RunStore.open(${path}) did not throw`);
}

function notAStore(path: string, reason: string): string {
  return (
    `${path} is not a readable run store (${reason}): move it aside (mv ${path} ${path}.bad) ` +
    "and a new store is started, or give another --store"
  );
}

describe("RunStore.open of a file it cannot use", () => {
  it("a store of a newer version: upgrade, or another --store", () => {
    const path = join(scratchDir(), "runs", "store.sqlite");
    RunStore.open(path).close();
    withRawDatabase(path, (db) => db.exec("PRAGMA user_version = 2"));
    expect(openError(path).message).toBe(
      `${path} was written by a newer rnnlab (store version 2; this one reads 1): ` +
        "upgrade rnnlab, or give another --store",
    );
  });

  it("a file that is not SQLite: move it aside; the file is untouched", () => {
    const path = join(scratchDir(), "store.sqlite");
    const garbage = "these are not the bytes of a database, ".repeat(20);
    writeFileSync(path, garbage);
    expect(openError(path).message).toBe(notAStore(path, "file is not a database"));
    expect(readFileSync(path, "utf8")).toBe(garbage);
    expect(existsSync(`${path}.owner`)).toBe(false);
  });

  it("a store cut short inside its header: move it aside", () => {
    const dir = scratchDir();
    const whole = join(dir, "whole.sqlite");
    const path = join(dir, "store.sqlite");
    RunStore.open(whole).close();
    copyFileSync(whole, path);
    truncateSync(path, 50);
    expect(openError(path).message).toBe(notAStore(path, "database disk image is malformed"));
  });

  it("another program's SQLite database: not a run store", () => {
    const path = join(scratchDir(), "app.sqlite");
    withRawDatabase(path, (db) => db.exec("CREATE TABLE notes (text TEXT)"));
    expect(openError(path).message).toBe(
      `${path} is a SQLite database but not an rnnlab run store: give another --store, or move it aside`,
    );
  });

  it("an empty file is a new store", () => {
    const path = join(scratchDir(), "store.sqlite");
    writeFileSync(path, "");
    const store = RunStore.open(path);
    expect(store.listRuns()).toEqual([]);
    store.close();
  });
});
