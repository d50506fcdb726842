import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunStore } from "../../node/store/index.js";
import { records } from "./fixtures.js";

// A store in a fresh temp folder, with three runs written through RunStore as train and a sweep do:
// 1 finished (train), 2 finished (a trial of sweep "s1", metric valLoss), 3 "running" by a process that
// is gone (read back as killed).

/** A pid no process has (above Linux's pid_max). */
const DEAD_PID = 2 ** 23 + 1;

export function makeStore(): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), "rnnlab-runs-"));
  const path = join(dir, "store.sqlite");
  const store = RunStore.open(path);
  try {
    const a = store.startRun({
      kind: "train",
      name: "out/a, first",
      config: { model: { cell: "gru" }, lr: 0.01 },
    });
    store.appendMetrics(a, records(30));
    store.finishRun(a, {
      status: "finished",
      final: { valLoss: 2.5, steps: 30 },
      artefacts: { report: "out/a/report.html" },
    });
    store.upsertSweep({ id: "s1", name: "sweep", spec: {}, metric: "valLoss", goal: "min" });
    const b = store.startRun({
      kind: "trial",
      name: "lr=0.003",
      config: { model: { cell: "lstm" }, lr: 0.01 },
      sweepId: "s1",
      trialKey: "t1",
    });
    store.appendMetrics(b, records(20, 2.8));
    store.finishRun(b, { status: "finished", final: { valLoss: 2.25 } });
    store.startRun({ kind: "lab", name: "q1", config: {}, pid: DEAD_PID });
  } finally {
    store.close();
  }
  return { dir, path };
}
