import type { MetricRecord, RunRow } from "../../node/store/types.js";

// Hand-made rows and records for the pure parts of `rnnlab runs` (no store).

export function runRow(id: number, overrides: Partial<RunRow> = {}): RunRow {
  return {
    id,
    kind: "train",
    name: `run-${id}`,
    sweepId: null,
    trialKey: null,
    config: { model: { cell: "gru", hidden: 16 }, lr: 0.01 },
    git: "abc123",
    machine: "box",
    pid: 100 + id,
    status: "finished",
    startedAt: "2026-12-06T10:00:00.000Z",
    endedAt: "2026-12-06T10:01:05.000Z",
    final: { valLoss: 2.5, steps: 60 },
    artefacts: { checkpoint: `out/${id}/checkpoint.safetensors` },
    error: null,
    ...overrides,
  };
}

/** Train records at steps 1..n with loss falling from `start`, val records every 10 steps. */
export function records(n: number, start = 3): MetricRecord[] {
  const out: MetricRecord[] = [];
  for (let step = 1; step <= n; step++) {
    out.push({ step, type: "train", values: { loss: start - step / n, gradNorm: 1 } });
    if (step % 10 === 0) out.push({ step, type: "val", values: { valLoss: start - step / n + 0.2 } });
  }
  return out;
}
