import { existsSync } from "node:fs";
import { RunStore } from "../node/store/index.js";
import type { MetricRecord, RunFilter, RunKind, RunRow, RunStatus, SweepRow } from "../node/store/types.js";
import { RnnlabError } from "../src/errors.js";

// The read-only JSON API of `rnnlab ui` under /api/, for the web lab's Runs view:
//   GET /api/runs?kind=&status=&sweep=&limit=   RunRow[], newest first (an empty parameter: no filter)
//   GET /api/runs/:id                            RunRow and its metric records by type
//   GET /api/sweeps                              SweepRow[]
// The store is opened per request and closed after it (it locks per transaction, so a sweep writing
// at the same time waits at most one read). No store file: empty lists, and no run. Nothing here
// reads any other file, and nothing is created: a missing store stays missing.

/** What a request gets: a status and a JSON body ({"error": one line} for 4xx and 5xx). */
export interface ApiAnswer {
  status: number;
  body: unknown;
}

/** The part of RunStore the API reads (a test can pass its own). */
export interface RunReader {
  listRuns(filter?: RunFilter): RunRow[];
  getRun(id: number): RunRow | null;
  metrics(runId: number): MetricRecord[];
  listSweeps(): SweepRow[];
  close(): void;
}

export type OpenRunStore = (path: string) => RunReader;

/** How long a request waits for a writer's transaction: the store's calls block the server meanwhile. */
const WAIT_MS = 5000;

const KINDS: readonly RunKind[] = ["train", "lab", "trial"];
const STATUSES: readonly RunStatus[] = ["running", "finished", "failed", "killed", "stopped"];

/** The answer to GET `segments` (the path after /api/, decoded) with `query`, from the store at
 *  `storePath`. */
export function apiAnswer(
  segments: readonly string[],
  query: URLSearchParams,
  storePath: string,
  open: OpenRunStore = (path) => RunStore.open(path, { timeoutMs: WAIT_MS }),
): ApiAnswer {
  const [collection, id, ...rest] = segments;
  if (
    rest.length > 0 ||
    (collection !== "runs" && collection !== "sweeps") ||
    (collection === "sweeps" && id)
  )
    return error(
      404,
      `no such API: /api/${segments.join("/")} (there are /api/runs, /api/runs/ID, /api/sweeps)`,
    );
  try {
    if (collection === "sweeps")
      return { status: 200, body: withStore(storePath, open, [], (s) => s.listSweeps()) };
    if (id === undefined) {
      const filter = runFilter(query);
      return { status: 200, body: withStore(storePath, open, [], (s) => s.listRuns(filter)) };
    }
    return runAnswer(parseId(id), storePath, open);
  } catch (caught) {
    if (caught instanceof ApiError) return error(caught.status, caught.message);
    // The store's own errors (busy, newer version, not a store) are one line; anything else is a bug.
    if (caught instanceof RnnlabError) return error(503, caught.message);
    return error(500, `internal error: ${caught instanceof Error ? caught.message : String(caught)}`);
  }
}

function runAnswer(id: number, storePath: string, open: OpenRunStore): ApiAnswer {
  const found = withStore(storePath, open, null, (store) => {
    const run = store.getRun(id);
    return run && { ...run, metrics: byType(store.metrics(id)) };
  });
  return found ? { status: 200, body: found } : error(404, `no run ${id} in the run store ${storePath}`);
}

/** `fn` on the open store, closed after; `none` when there is no store file. */
function withStore<T>(path: string, open: OpenRunStore, none: T, fn: (store: RunReader) => T): T {
  if (!existsSync(path)) return none;
  const store = open(path);
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

/** The records grouped by type, each group in the order the store gave (by step). */
export function byType(records: readonly MetricRecord[]): Record<string, MetricRecord[]> {
  const groups: Record<string, MetricRecord[]> = {};
  for (const record of records) {
    groups[record.type] ??= [];
    groups[record.type].push(record);
  }
  return groups;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function runFilter(query: URLSearchParams): RunFilter {
  const filter: RunFilter = {};
  const kind = query.get("kind") ?? "";
  const status = query.get("status") ?? "";
  const sweep = query.get("sweep") ?? "";
  const limit = query.get("limit") ?? "";
  if (kind !== "") filter.kind = oneOf("kind", kind, KINDS);
  if (status !== "") filter.status = oneOf("status", status, STATUSES);
  if (sweep !== "") filter.sweepId = sweep;
  if (limit !== "") filter.limit = positive("limit", limit);
  return filter;
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  const found = allowed.find((option) => option === value);
  if (found === undefined)
    throw new ApiError(400, `${name} must be one of ${allowed.join(", ")}, got '${value}'`);
  return found;
}

function positive(name: string, value: string): number {
  const number = /^\d{1,9}$/.test(value) ? Number(value) : 0;
  if (number < 1) throw new ApiError(400, `${name} must be a positive integer, got '${value}'`);
  return number;
}

function parseId(value: string): number {
  const id = /^\d{1,15}$/.test(value) ? Number(value) : 0;
  if (id < 1) throw new ApiError(400, `a run id is a positive integer, got '${value}'`);
  return id;
}

function error(status: number, message: string): ApiAnswer {
  return { status, body: { error: message } };
}
