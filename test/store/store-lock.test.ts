import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RunStore, StoreError } from "../../node/store/index.js";
import { cleanup, deadPid, exitOf, integrity, memoryScratchDir, scratchDir, startChild } from "./helpers.js";

// Processes sharing one store: the store's owner lock serialises them, a holder that is gone is
// taken over (its `.owner` file and the driver's `.lock` folder), and a live one that holds on past
// the timeout gives one line naming it.

afterAll(cleanup);

const BATCHES = 300;
const SIZE = 3;

function ownerFile(path: string, holder: { pid: number; host: string; since: string }): void {
  writeFileSync(`${path}.owner`, JSON.stringify({ ...holder, token: "left-behind" }));
}

describe("two processes appending at once", () => {
  it("each commits all its batches; the file is intact", async () => {
    const path = join(memoryScratchDir(), "store.sqlite");
    RunStore.open(path).close();
    const children = ["one", "two"].map((name) =>
      startChild(["append", path, name, String(BATCHES), String(SIZE)]),
    );
    const results = await Promise.all(children.map(exitOf));
    for (const result of results) expect(result.code, result.stderr).toBe(0);

    const store = RunStore.open(path);
    const runs = store.listRuns();
    expect(runs.map((run) => [run.name, run.status]).sort()).toEqual([
      ["one", "finished"],
      ["two", "finished"],
    ]);
    const steps = Array.from({ length: BATCHES * SIZE }, (_, i) => i);
    for (const run of runs) expect(store.metrics(run.id).map((record) => record.step)).toEqual(steps);
    store.close();
    expect(integrity(path)).toBe("ok");
  });
});

describe("a lock left behind", () => {
  it("an owner file of a pid that is gone and the driver's .lock folder are taken over", () => {
    const path = join(scratchDir(), "store.sqlite");
    RunStore.open(path).close();
    ownerFile(path, { pid: deadPid(), host: hostname(), since: "2026-01-01T00:00:00.000Z" });
    mkdirSync(`${path}.lock`);

    const store = RunStore.open(path, { timeoutMs: 2000 });
    const id = store.startRun({ kind: "train", name: "after", config: {} });
    expect(store.getRun(id)?.name).toBe("after");
    store.close();
    expect(readdirSync(join(path, "..")).sort()).toEqual(["store.sqlite"]);
  });

  it("an unreadable owner file (its writer killed before writing) is taken over once old", () => {
    const path = join(scratchDir(), "store.sqlite");
    RunStore.open(path).close();
    writeFileSync(`${path}.owner`, "");
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${path}.owner`, old, old);
    RunStore.open(path, { timeoutMs: 2000 }).close();
    expect(existsSync(`${path}.owner`)).toBe(false);
  });
});

describe("a live holder", () => {
  it("past timeoutMs, open() throws one line naming the holder and the file to delete", () => {
    const path = join(scratchDir(), "store.sqlite");
    RunStore.open(path).close();
    const since = "2026-01-01T00:00:00.000Z";
    ownerFile(path, { pid: process.pid, host: hostname(), since });
    expect(() => RunStore.open(path, { timeoutMs: 50 })).toThrow(
      new StoreError(
        `the run store ${path} is busy: pid ${process.pid} on ${hostname()} has held it since ${since} ` +
          `(waited 0.05 s); if that process is gone, delete ${path}.owner`,
      ),
    );
  });

  it("on another host, a holder is never judged gone: it waits, then names it", () => {
    const path = join(scratchDir(), "store.sqlite");
    RunStore.open(path).close();
    ownerFile(path, { pid: deadPid(), host: `not-${hostname()}`, since: "2026-01-01T00:00:00.000Z" });
    expect(() => RunStore.open(path, { timeoutMs: 50 })).toThrow(/is busy: pid \d+ on not-/);
    expect(existsSync(`${path}.owner`)).toBe(true);
  });
});
