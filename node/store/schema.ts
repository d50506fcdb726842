import type { Database } from "node-sqlite3-wasm";
import { StoreError } from "./errors.js";

// The store's tables. JSON columns are TEXT. Metrics are one row per record with its values as JSON:
// an append is one INSERT per record in one transaction, and a run's metrics one indexed scan.

/** PRAGMA user_version of a store this rnnlab writes; a store with a higher one is refused. */
export const STORE_VERSION = 1;

const TABLES = `
CREATE TABLE runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  sweep_id TEXT,
  trial_key TEXT,
  config TEXT NOT NULL,
  git TEXT,
  machine TEXT NOT NULL,
  pid INTEGER NOT NULL,
  status TEXT NOT NULL,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  final TEXT,
  artefacts TEXT NOT NULL,
  error TEXT
);
CREATE INDEX runs_sweep_id ON runs(sweep_id);
CREATE TABLE metrics (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  step REAL NOT NULL,
  type TEXT NOT NULL,
  vals TEXT NOT NULL
);
CREATE INDEX metrics_run_id_step ON metrics(run_id, step);
CREATE TABLE sweeps (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  spec TEXT NOT NULL,
  metric TEXT NOT NULL,
  goal TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
PRAGMA user_version = ${STORE_VERSION};
`;

/** Creates the tables in a new file, or checks that an existing one is a store this rnnlab reads.
 *  Called inside a write transaction. */
export function ensureSchema(db: Database, path: string): void {
  const version = Number(db.get("PRAGMA user_version")?.user_version ?? 0);
  if (version > STORE_VERSION) {
    throw new StoreError(
      `${path} was written by a newer rnnlab (store version ${version}; this one reads ${STORE_VERSION}): ` +
        "upgrade rnnlab, or give another --store",
    );
  }
  if (version === STORE_VERSION) return;
  const tables = db.all("SELECT name FROM sqlite_master WHERE type = 'table'");
  if (tables.length > 0) {
    throw new StoreError(
      `${path} is a SQLite database but not an rnnlab run store: give another --store, or move it aside`,
    );
  }
  db.exec(TABLES);
}
