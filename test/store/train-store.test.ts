import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RunStore } from "../../dist/node/store/index.js";
import { rnnlab, smallTrainFlags } from "../helpers/cli.js";

// What `rnnlab train` records in the run store: the run, its records and its end; a killed run is
// marked killed and leaves the store whole.

const scratch = mkdtempSync(join(tmpdir(), "rnnlab-train-store-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function inStore<T>(path: string, read: (store: RunStore) => T): T {
  const store = RunStore.open(path);
  try {
    return read(store);
  } finally {
    store.close();
  }
}

describe("rnnlab train --store PATH", () => {
  it("records the run's options, every metric record and its --json summary as final metrics", () => {
    const store = join(scratch, "one.sqlite");
    const out = join(scratch, "one");
    const r = rnnlab([
      "train",
      ...smallTrainFlags(scratch),
      "--steps",
      "6",
      "--eval-every",
      "3",
      "--out",
      out,
      "--store",
      store,
      "--json",
    ]);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split("\n").at(-1) as string);
    const [run] = inStore(store, (s) => s.listRuns());
    expect(run).toMatchObject({ kind: "train", status: "finished", name: out, error: null });
    expect(run.final).toEqual(summary);
    expect((run.config as { seqLen: number }).seqLen).toBe(16);
    const records = inStore(store, (s) => s.metrics(run.id));
    expect(records.filter((x) => x.type === "train").map((x) => x.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(records.filter((x) => x.type === "val").map((x) => x.step)).toEqual([3, 6]);
  });

  it("records a task run (--task) with its records and its --json summary's numbers", () => {
    const store = join(scratch, "task.sqlite");
    const out = join(scratch, "task");
    const r = rnnlab([
      "train",
      "--task",
      "forecast",
      "--epochs",
      "1",
      "--hidden",
      "8",
      "--out",
      out,
      "--store",
      store,
      "--json",
    ]);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split("\n").at(-1) as string);
    const [run] = inStore(store, (s) => s.listRuns());
    expect(run).toMatchObject({ kind: "train", status: "finished", name: out });
    expect(run.final?.steps).toBe(summary.steps);
    expect(run.final?.["headline.value"]).toBe(summary.headline.value);
    expect(inStore(store, (s) => s.metrics(run.id).length)).toBeGreaterThan(0);
  });

  it("--no-store records nothing", () => {
    const store = join(scratch, "none.sqlite");
    const r = rnnlab([
      "train",
      ...smallTrainFlags(scratch),
      "--steps",
      "2",
      "--out",
      join(scratch, "none"),
      "--store",
      store,
      "--no-store",
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(store)).toBe(false);
  });

  it("a run killed mid-training (SIGKILL) leaves the store whole, and is marked killed", async () => {
    const store = join(scratch, "killed.sqlite");
    const child = spawn(
      process.execPath,
      [
        "dist/cli/main.js",
        "train",
        ...smallTrainFlags(scratch),
        "--steps",
        "100000",
        "--eval-every",
        "5",
        "--out",
        join(scratch, "killed"),
        "--store",
        store,
      ],
      { stdio: "ignore" },
    );
    // Killed once some of its records are in: it is writing to the store all along.
    await expect
      .poll(() => (existsSync(store) ? inStore(store, (s) => s.listRuns()[0]?.id ?? 0) : 0), {
        timeout: 30_000,
      })
      .toBeGreaterThan(0);
    await expect
      .poll(() => inStore(store, (s) => s.metrics(1).length), { timeout: 30_000 })
      .toBeGreaterThan(10);
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    const list = rnnlab(["runs", "list", "--store", store, "--json"]);
    expect(list.status, list.stderr).toBe(0);
    const [run] = JSON.parse(list.stdout);
    expect(run.status).toBe("killed");
    expect(inStore(store, (s) => s.metrics(run.id).length)).toBeGreaterThan(10);
  }, 60_000);
});
