import { mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import type { BindValues, Database } from "node-sqlite3-wasm";
import { asStoreErrors, openDatabase } from "./driver.js";
import { StoreError } from "./errors.js";
import { OwnerLock } from "./lock.js";
import { gitRevision, pidAlive } from "./machine.js";
import { rollBackHotJournal } from "./recovery.js";
import { metricFromRow, type Row, runFromRow, sweepFromRow, toJson } from "./rows.js";
import { ensureSchema } from "./schema.js";
import type { MetricRecord, NewRun, RunEnd, RunFilter, RunRow, SweepRow, SweepStatus } from "./types.js";

export interface StoreOptions {
  /** How long to wait for another process's transaction before giving up; default 30 s. */
  timeoutMs?: number;
}

export type SweepInput = Omit<SweepRow, "createdAt" | "updatedAt" | "status"> & { status?: SweepStatus };

const DEFAULT_TIMEOUT_MS = 30_000;

/** The run store: one SQLite file that every train, lab run and sweep trial of a project folder
 *  writes to, from any number of processes. Every call is synchronous and is one transaction under
 *  the store's lock (lock.ts). */
export class RunStore {
  private constructor(
    /** As given to open(), for messages. */
    readonly path: string,
    /** Resolved once: the driver resolved it when the file was opened. */
    private readonly file: string,
    private readonly db: Database,
    private readonly lock: OwnerLock,
  ) {}

  /** Opens the store at `path`, creating its folder, the file and the tables when missing. */
  static open(path: string, options: StoreOptions = {}): RunStore {
    const file = resolve(path);
    try {
      mkdirSync(dirname(file), { recursive: true });
    } catch (error) {
      throw new StoreError(`cannot create the folder of the run store ${path}: ${(error as Error).message}`);
    }
    const lock = new OwnerLock(file, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const db = lock.hold(() => {
      const opened = openDatabase(file, path);
      try {
        asStoreErrors(path, () => inTransaction(opened, () => ensureSchema(opened, path)));
      } catch (error) {
        opened.close();
        throw error;
      }
      return opened;
    });
    return new RunStore(path, file, db, lock);
  }

  /** Records a run as "running", started now; its id. */
  startRun(run: NewRun): number {
    // Outside the lock: the first call runs git.
    const git = run.git === undefined ? gitRevision() : run.git;
    return this.write(() => {
      const result = this.db.run(
        `INSERT INTO runs (kind, name, sweep_id, trial_key, config, git, machine, pid, status, started_at, artefacts)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)`,
        [
          run.kind,
          run.name,
          run.sweepId ?? null,
          run.trialKey ?? null,
          toJson(run.config),
          git,
          run.machine ?? hostname(),
          run.pid ?? process.pid,
          now(),
          toJson(run.artefacts ?? {}),
        ],
      );
      return Number(result.lastInsertRowid);
    });
  }

  /** Adds metric records to a run, all or none. */
  appendMetrics(runId: number, records: readonly MetricRecord[]): void {
    if (records.length === 0) return;
    this.write(() => {
      this.requireRun(runId);
      const insert = this.db.prepare("INSERT INTO metrics (run_id, step, type, vals) VALUES (?, ?, ?, ?)");
      try {
        for (const record of records) insert.run([runId, record.step, record.type, toJson(record.values)]);
      } finally {
        insert.finalize();
      }
    });
  }

  /** Ends a run: its status, end time, final metrics, error; `end.artefacts` are added to the run's. */
  finishRun(runId: number, end: RunEnd): void {
    this.write(() => {
      const run = this.requireRun(runId);
      this.db.run(
        "UPDATE runs SET status = ?, ended_at = ?, final = ?, artefacts = ?, error = ? WHERE id = ?",
        [
          end.status,
          now(),
          end.final == null ? null : toJson(end.final),
          toJson({ ...run.artefacts, ...end.artefacts }),
          end.error ?? null,
          runId,
        ],
      );
    });
  }

  /** Marks "killed" the runs still "running" on this machine whose process is gone; their ids. */
  markKilled(): number[] {
    return this.write(() => {
      const running = this.rows("SELECT id, pid FROM runs WHERE status = 'running' AND machine = ?", [
        hostname(),
      ]);
      const dead = running.filter((row) => !pidAlive(Number(row.pid)));
      for (const row of dead) {
        this.db.run("UPDATE runs SET status = 'killed', ended_at = ?, error = ? WHERE id = ?", [
          now(),
          `its process (pid ${row.pid}) ended without finishing the run`,
          row.id,
        ]);
      }
      return dead.map((row) => Number(row.id));
    });
  }

  getRun(id: number): RunRow | null {
    return this.read(() => this.findRun(id));
  }

  /** Runs, the newest first. */
  listRuns(filter: RunFilter = {}): RunRow[] {
    const conditions = (
      [
        ["kind", filter.kind],
        ["status", filter.status],
        ["sweep_id", filter.sweepId],
      ] as const
    ).filter(([, value]) => value !== undefined);
    const where = conditions.map(([column]) => `${column} = ?`);
    const values = conditions.map(([, value]) => value ?? null);
    const limit = filter.limit === undefined ? "" : ` LIMIT ${Math.max(0, Math.floor(filter.limit))}`;
    const sql = `SELECT * FROM runs${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC${limit}`;
    return this.read(() => this.rows(sql, values).map(runFromRow));
  }

  /** A run's metric records in step order (records of one step in the order appended). */
  metrics(runId: number, type?: string): MetricRecord[] {
    const sql = `SELECT step, type, vals FROM metrics WHERE run_id = ?${type === undefined ? "" : " AND type = ?"}
                 ORDER BY step, id`;
    const values = type === undefined ? [runId] : [runId, type];
    return this.read(() => this.rows(sql, values).map(metricFromRow));
  }

  /** Creates or replaces a sweep's row (its creation time is kept); status defaults to "running". */
  upsertSweep(sweep: SweepInput): void {
    const time = now();
    this.write(() => {
      this.db.run(
        `INSERT INTO sweeps (id, name, spec, metric, goal, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, spec = excluded.spec, metric = excluded.metric,
           goal = excluded.goal, status = excluded.status, updated_at = excluded.updated_at`,
        [
          sweep.id,
          sweep.name,
          toJson(sweep.spec),
          sweep.metric,
          sweep.goal,
          sweep.status ?? "running",
          time,
          time,
        ],
      );
    });
  }

  setSweepStatus(id: string, status: SweepStatus): void {
    this.write(() => {
      const result = this.db.run("UPDATE sweeps SET status = ?, updated_at = ? WHERE id = ?", [
        status,
        now(),
        id,
      ]);
      if (result.changes === 0) throw new StoreError(`no sweep '${id}' in the run store ${this.path}`);
    });
  }

  getSweep(id: string): SweepRow | null {
    return this.read(() => {
      const row = this.rows("SELECT * FROM sweeps WHERE id = ?", [id])[0];
      return row ? sweepFromRow(row) : null;
    });
  }

  /** Sweeps, the newest first. */
  listSweeps(): SweepRow[] {
    return this.read(() =>
      this.rows("SELECT * FROM sweeps ORDER BY created_at DESC, rowid DESC").map(sweepFromRow),
    );
  }

  /** Every run of a sweep, the oldest first. */
  trialRuns(sweepId: string): RunRow[] {
    return this.read(() =>
      this.rows("SELECT * FROM runs WHERE sweep_id = ? ORDER BY id", [sweepId]).map(runFromRow),
    );
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  private write<T>(fn: () => T): T {
    return this.read(() => inTransaction(this.db, fn));
  }

  /** Runs `fn` under the owner lock, after playing back what a writer killed since left. */
  private read<T>(fn: () => T): T {
    return this.lock.hold(() =>
      asStoreErrors(this.path, () => {
        rollBackHotJournal(this.db, this.file);
        return fn();
      }),
    );
  }

  private rows(sql: string, values?: BindValues): Row[] {
    return this.db.all(sql, values) as Row[];
  }

  private findRun(id: number): RunRow | null {
    const row = this.rows("SELECT * FROM runs WHERE id = ?", [id])[0];
    return row ? runFromRow(row) : null;
  }

  private requireRun(id: number): RunRow {
    const run = this.findRun(id);
    if (!run) throw new StoreError(`no run ${id} in the run store ${this.path}`);
    return run;
  }
}

/** Runs `fn` in one write transaction: committed whole, or rolled back on a throw. */
function inTransaction<T>(db: Database, fn: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = fn();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    if (db.inTransaction) db.exec("ROLLBACK");
    throw error;
  }
}

function now(): string {
  return new Date().toISOString();
}
