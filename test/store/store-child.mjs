// A process that writes to a run store, for the store's crash and locking tests; runs the built
// store (dist/node/store), as the CLI does.
//
//   node store-child.mjs append DB NAME BATCHES SIZE   starts a run, appends BATCHES batches of SIZE
//       records (steps batch·SIZE + i), finishes the run; prints "committed K" after each batch
//   node store-child.mjs pause DB NAME BATCHES SIZE    the same, then one more batch large enough to
//       spill SQLite's page cache into the file, stopping forever before its last record is
//       written: prints "paused SIZE_BEFORE SIZE_NOW" (the database file's bytes)
//   node store-child.mjs git                           prints the store's git revision as JSON

import { statSync, writeSync } from "node:fs";

const dist = new URL("../../dist/node/store/index.js", import.meta.url);
const { RunStore, gitRevision } = await import(dist.href);

/** Records past SQLite's default 2 MB page cache, so the half-done batch reaches the file. */
const SPILLING_RECORDS = 20_000;

function say(line) {
  writeSync(1, `${line}\n`);
}

function batch(k, size) {
  return Array.from({ length: size }, (_, i) => ({
    step: k * size + i,
    type: "train",
    values: { batch: k, i, loss: 1 / (k + i + 1) },
  }));
}

function appendBatches(store, runId, batches, size) {
  for (let k = 0; k < batches; k++) {
    store.appendMetrics(runId, batch(k, size));
    say(`committed ${k}`);
  }
}

/** A batch whose last record stops the process as it is read, inside the transaction. */
function pausingBatch(path, k) {
  const records = Array.from({ length: SPILLING_RECORDS }, (_, i) => ({
    step: k * SPILLING_RECORDS + i,
    type: "train",
    values: { batch: k, i, padding: Math.PI * i, more: Math.E * i, evenMore: Math.SQRT2 * i },
  }));
  const before = statSync(path).size;
  const last = {
    step: -1,
    type: "train",
    get values() {
      say(`paused ${before} ${statSync(path).size}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
      return {};
    },
  };
  return [...records, last];
}

const [mode, path, name, batches, size] = process.argv.slice(2);
if (mode === "git") {
  say(JSON.stringify(gitRevision()));
} else {
  const store = RunStore.open(path);
  const runId = store.startRun({ kind: "trial", name, config: { name } });
  appendBatches(store, runId, Number(batches), Number(size));
  if (mode === "pause") store.appendMetrics(runId, pausingBatch(path, Number(batches)));
  store.finishRun(runId, { status: "finished", final: { batches: Number(batches) } });
  store.close();
}
