import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RunStore } from "../../node/store/index.js";
import { cleanup, integrity, lineFrom, scratchDir, startChild, withRawDatabase } from "./helpers.js";

// A writer SIGKILLed inside a transaction whose pages SQLite has already written into the database
// file (a batch past the page cache): the next open takes over its lock, SQLite rolls the file back
// from the journal, and what is left is every committed batch whole and nothing of the killed one.

afterAll(cleanup);

const BATCHES = 12;
const SIZE = 40;

/** Runs store-child.mjs's "pause" writer and SIGKILLs it inside its last batch's transaction. */
async function killWriterMidBatch(path: string): Promise<void> {
  const child = startChild(["pause", path, "writer", String(BATCHES), String(SIZE)]);
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const [, sizeBefore, sizeAtPause] = await lineFrom(child, /paused (\d+) (\d+)\n/);
  child.kill("SIGKILL");
  await exited;
  // Killed holding both locks, with uncommitted pages in the file: the case the journal is for.
  expect(existsSync(`${path}.owner`)).toBe(true);
  expect(statSync(`${path}.lock`).isDirectory()).toBe(true);
  expect(existsSync(`${path}-journal`)).toBe(true);
  expect(Number(sizeAtPause)).toBeGreaterThan(Number(sizeBefore));
}

/** What the store holds after the kill, checked through `store` (then closed) and SQLite itself. */
function expectRecovered(store: RunStore, alive: number): void {
  const path = store.path;
  const writer = store.listRuns({ kind: "trial" })[0];
  expect(writer.status).toBe("running");
  expect(store.markKilled()).toEqual([writer.id]);
  expect(store.getRun(writer.id)?.status).toBe("killed");
  expect(store.getRun(alive)?.status).toBe("running");
  const steps = store.metrics(writer.id).map((record) => record.step);
  store.close();

  expect(existsSync(`${path}.owner`)).toBe(false);
  expect(existsSync(`${path}.lock`)).toBe(false);
  expect(existsSync(`${path}-journal`)).toBe(false);
  expect(integrity(path)).toBe("ok");
  expect(steps).toEqual(Array.from({ length: BATCHES * SIZE }, (_, i) => i));
  expect(withRawDatabase(path, (db) => db.get("SELECT count(*) AS n FROM metrics")?.n)).toBe(BATCHES * SIZE);
}

describe("a writer SIGKILLed mid-transaction", () => {
  it("the next open rolls it back: every committed batch whole, none of the killed one; its run killed", async () => {
    const path = join(scratchDir(), "runs", "store.sqlite");
    const before = RunStore.open(path);
    const alive = before.startRun({ kind: "train", name: "this process", config: {} });
    before.close();
    await killWriterMidBatch(path);
    expectRecovered(RunStore.open(path, { timeoutMs: 5000 }), alive);
  });

  it("a store open all along rolls it back at its next call", async () => {
    const path = join(scratchDir(), "runs", "store.sqlite");
    const store = RunStore.open(path, { timeoutMs: 5000 });
    const alive = store.startRun({ kind: "train", name: "this process", config: {} });
    await killWriterMidBatch(path);
    expectRecovered(store, alive);
  });
});
