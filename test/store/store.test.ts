import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RunStore, StoreError } from "../../node/store/index.js";
import { cleanup, deadPid, runChild, scratchDir, withRawDatabase } from "./helpers.js";

// RunStore's calls in one process: what each writes and reads back.

afterAll(cleanup);

function freshStore(): RunStore {
  return RunStore.open(join(scratchDir(), "runs", "store.sqlite"));
}

const trainRun = { kind: "train", name: "out/a", config: { hidden: 16, cell: "gru" } } as const;

describe("RunStore.open", () => {
  it("creates the missing folders, the file and version 1 of the schema", () => {
    const path = join(scratchDir(), "deep", "er", "store.sqlite");
    RunStore.open(path).close();
    expect(existsSync(path)).toBe(true);
    expect(withRawDatabase(path, (db) => db.get("PRAGMA user_version")?.user_version)).toBe(1);
    const tables = withRawDatabase(path, (db) =>
      db.all(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      ),
    );
    expect(tables.map((row) => row.name)).toEqual(["metrics", "runs", "sweeps"]);
    expect(existsSync(`${path}.owner`)).toBe(false);
  });

  it("reopens a store with what was written", () => {
    const path = join(scratchDir(), "store.sqlite");
    const first = RunStore.open(path);
    const id = first.startRun(trainRun);
    first.close();
    const again = RunStore.open(path);
    expect(again.getRun(id)?.name).toBe("out/a");
    again.close();
  });
});

describe("startRun, getRun", () => {
  it("startRun(run) records it running, now, on this machine and pid, with the given config", () => {
    const store = freshStore();
    const before = Date.now();
    const id = store.startRun({ ...trainRun, git: "abc", artefacts: { report: "out/a/report.html" } });
    const run = store.getRun(id);
    expect(run).toMatchObject({
      id,
      kind: "train",
      name: "out/a",
      sweepId: null,
      trialKey: null,
      config: { hidden: 16, cell: "gru" },
      git: "abc",
      machine: hostname(),
      pid: process.pid,
      status: "running",
      endedAt: null,
      final: null,
      artefacts: { report: "out/a/report.html" },
      error: null,
    });
    expect(Date.parse(run?.startedAt ?? "")).toBeGreaterThanOrEqual(before - 1000);
    store.close();
  });

  it("startRun(run) takes the revision of the working directory when none is given", () => {
    const store = freshStore();
    const id = store.startRun(trainRun);
    // The tests run in rnnlab's own checkout.
    expect(store.getRun(id)?.git).toMatch(/^[0-9a-f]{40}(\+dirty)?$/);
    store.close();
  });

  it("getRun(id) of an unknown id is null", () => {
    const store = freshStore();
    expect(store.getRun(42)).toBeNull();
    store.close();
  });
});

describe("appendMetrics, metrics", () => {
  it("metrics(runId) gives the records in step order, each step's in the order appended", () => {
    const store = freshStore();
    const id = store.startRun(trainRun);
    store.appendMetrics(id, [
      { step: 2, type: "train", values: { loss: 2.5 } },
      { step: 2, type: "val", values: { valLoss: 2.7 } },
    ]);
    store.appendMetrics(id, [
      { step: 1, type: "train", values: { loss: 3, gradNorm: null } },
      { step: 3, type: "train", values: { loss: 2.25 } },
    ]);
    expect(store.metrics(id)).toEqual([
      { step: 1, type: "train", values: { loss: 3, gradNorm: null } },
      { step: 2, type: "train", values: { loss: 2.5 } },
      { step: 2, type: "val", values: { valLoss: 2.7 } },
      { step: 3, type: "train", values: { loss: 2.25 } },
    ]);
    expect(store.metrics(id, "val")).toEqual([{ step: 2, type: "val", values: { valLoss: 2.7 } }]);
    store.close();
  });

  it("appendMetrics(unknown run) throws StoreError and writes nothing", () => {
    const store = freshStore();
    const record = { step: 1, type: "train", values: { loss: 1 } };
    expect(() => store.appendMetrics(7, [record])).toThrow(
      new StoreError(`no run 7 in the run store ${store.path}`),
    );
    expect(withRawDatabase(store.path, (db) => db.get("SELECT count(*) AS n FROM metrics")?.n)).toBe(0);
    store.close();
  });

  it("appendMetrics(run, records) that fails midway leaves none of the batch", () => {
    const store = freshStore();
    const id = store.startRun(trainRun);
    store.appendMetrics(id, [{ step: 1, type: "train", values: { loss: 1 } }]);
    const failing = {
      step: 3,
      type: "train",
      get values(): Record<string, number> {
        throw new Error("no values");
      },
    };
    expect(() =>
      store.appendMetrics(id, [{ step: 2, type: "train", values: { loss: 0.5 } }, failing]),
    ).toThrow("no values");
    expect(store.metrics(id).map((r) => r.step)).toEqual([1]);
    store.close();
  });
});

describe("finishRun", () => {
  it("finishRun(id, end) sets the status, end time, final metrics and error, and adds the artefacts", () => {
    const store = freshStore();
    const id = store.startRun({ ...trainRun, artefacts: { checkpoint: "a.safetensors" } });
    store.finishRun(id, {
      status: "failed",
      final: { valLoss: 1.5, diverged: true },
      artefacts: { report: "report.html" },
      error: "loss is NaN at step 3",
    });
    expect(store.getRun(id)).toMatchObject({
      status: "failed",
      final: { valLoss: 1.5, diverged: true },
      artefacts: { checkpoint: "a.safetensors", report: "report.html" },
      error: "loss is NaN at step 3",
    });
    expect(store.getRun(id)?.endedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    store.close();
  });

  it("finishRun(unknown id) throws StoreError", () => {
    const store = freshStore();
    expect(() => store.finishRun(3, { status: "finished" })).toThrow(StoreError);
    store.close();
  });
});

describe("markKilled", () => {
  it("marks killed only this machine's running runs whose process is gone", () => {
    const store = freshStore();
    const gone = deadPid();
    const dead = store.startRun({ ...trainRun, pid: gone });
    const alive = store.startRun(trainRun);
    const elsewhere = store.startRun({ ...trainRun, pid: gone, machine: `not-${hostname()}` });
    const finished = store.startRun({ ...trainRun, pid: gone });
    store.finishRun(finished, { status: "finished" });
    expect(store.markKilled()).toEqual([dead]);
    expect(store.getRun(dead)).toMatchObject({
      status: "killed",
      error: `its process (pid ${gone}) ended without finishing the run`,
    });
    expect([alive, elsewhere, finished].map((id) => store.getRun(id)?.status)).toEqual([
      "running",
      "running",
      "finished",
    ]);
    expect(store.markKilled()).toEqual([]);
    store.close();
  });
});

describe("listRuns", () => {
  it("listRuns(filter) gives the matching runs, the newest first, up to the limit", () => {
    const store = freshStore();
    const a = store.startRun(trainRun);
    const b = store.startRun({ kind: "lab", name: "q3", config: {} });
    const c = store.startRun({ kind: "trial", name: "t1", config: {}, sweepId: "s1", trialKey: "k1" });
    const d = store.startRun({ kind: "trial", name: "t2", config: {}, sweepId: "s2", trialKey: "k2" });
    store.finishRun(c, { status: "stopped" });
    const ids = (runs: { id: number }[]) => runs.map((run) => run.id);
    expect(ids(store.listRuns())).toEqual([d, c, b, a]);
    expect(ids(store.listRuns({ kind: "trial" }))).toEqual([d, c]);
    expect(ids(store.listRuns({ status: "running" }))).toEqual([d, b, a]);
    expect(ids(store.listRuns({ sweepId: "s1" }))).toEqual([c]);
    expect(ids(store.listRuns({ kind: "trial", status: "running" }))).toEqual([d]);
    expect(ids(store.listRuns({ limit: 2 }))).toEqual([d, c]);
    store.close();
  });
});

describe("sweeps", () => {
  const sweep = { id: "q3-map", name: "Q3 regime map", spec: { grid: { lr: [0.1] } }, metric: "valLoss" };

  it("upsertSweep(sweep) creates it running; a second upsert replaces it and keeps createdAt", () => {
    const store = freshStore();
    store.upsertSweep({ ...sweep, goal: "min" });
    const created = store.getSweep("q3-map");
    expect(created).toMatchObject({ ...sweep, goal: "min", status: "running" });
    store.upsertSweep({ ...sweep, name: "renamed", goal: "max", status: "interrupted" });
    const replaced = store.getSweep("q3-map");
    expect(replaced).toMatchObject({ name: "renamed", goal: "max", status: "interrupted" });
    expect(replaced?.createdAt).toBe(created?.createdAt);
    expect(store.getSweep("other")).toBeNull();
    store.close();
  });

  it("setSweepStatus(id, status) sets it; of an unknown id throws StoreError", () => {
    const store = freshStore();
    store.upsertSweep({ ...sweep, goal: "min" });
    store.setSweepStatus("q3-map", "finished");
    expect(store.getSweep("q3-map")?.status).toBe("finished");
    expect(() => store.setSweepStatus("nope", "finished")).toThrow(
      new StoreError(`no sweep 'nope' in the run store ${store.path}`),
    );
    store.close();
  });

  it("listSweeps() gives every sweep, the newest first; trialRuns(id) its runs, the oldest first", () => {
    const store = freshStore();
    store.upsertSweep({ ...sweep, goal: "min" });
    store.upsertSweep({ ...sweep, id: "pascanu", goal: "max" });
    expect(store.listSweeps().map((s) => s.id)).toEqual(["pascanu", "q3-map"]);
    const first = store.startRun({ kind: "trial", name: "a", config: {}, sweepId: "q3-map" });
    store.startRun({ kind: "trial", name: "b", config: {}, sweepId: "pascanu" });
    const third = store.startRun({ kind: "trial", name: "c", config: {}, sweepId: "q3-map" });
    expect(store.trialRuns("q3-map").map((run) => run.id)).toEqual([first, third]);
    store.close();
  });
});

describe("outside a git repository", () => {
  it("the revision is null", () => {
    const result = runChild(["git"], scratchDir());
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe("null");
  });
});
