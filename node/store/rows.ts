import type { NormalQueryResult } from "node-sqlite3-wasm";
import type {
  MetricRecord,
  MetricValue,
  RunKind,
  RunRow,
  RunStatus,
  SweepRow,
  SweepStatus,
} from "./types.js";

// SQLite rows to the store's records. The store writes every row, so a value of the wrong kind is a
// bug, not user input: it reads as the column's default.

export type Row = NormalQueryResult;

export function runFromRow(row: Row): RunRow {
  return {
    id: int(row.id),
    kind: text(row.kind) as RunKind,
    name: text(row.name),
    sweepId: textOrNull(row.sweep_id),
    trialKey: textOrNull(row.trial_key),
    config: json(row.config),
    git: textOrNull(row.git),
    machine: text(row.machine),
    pid: int(row.pid),
    status: text(row.status) as RunStatus,
    startedAt: text(row.started_at),
    endedAt: textOrNull(row.ended_at),
    final: row.final === null ? null : (json(row.final) as Record<string, MetricValue>),
    artefacts: (json(row.artefacts) ?? {}) as Record<string, string>,
    error: textOrNull(row.error),
  };
}

export function metricFromRow(row: Row): MetricRecord {
  return {
    step: Number(row.step),
    type: text(row.type),
    values: json(row.vals) as Record<string, number | null>,
  };
}

export function sweepFromRow(row: Row): SweepRow {
  return {
    id: text(row.id),
    name: text(row.name),
    spec: json(row.spec),
    metric: text(row.metric),
    goal: text(row.goal) === "max" ? "max" : "min",
    status: text(row.status) as SweepStatus,
    createdAt: text(row.created_at),
    updatedAt: text(row.updated_at),
  };
}

/** A value for a JSON column: `undefined` (not JSON) is stored as null. */
export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

function json(value: unknown): unknown {
  return typeof value === "string" ? JSON.parse(value) : null;
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function textOrNull(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function int(value: unknown): number {
  return Number(value);
}
