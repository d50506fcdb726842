#!/usr/bin/env node
// Two builds of rnnlab, timed in one run with their windows alternating (A, B, A, B, ...), so that
// machine load falls on both alike: rnnlab's tokens/s for each cell, hidden size and thread count,
// and the ratio B/A with its spread over the window pairs.
//
//   npx tsc -p bench/tsconfig.json                 # builds dist/bench/ for this tree (B)
//   git worktree add ../rnnlab-main main && (cd ../rnnlab-main && npm ci && npx tsc -p bench/tsconfig.json)
//   node bench/compare-builds.mjs ../rnnlab-main/dist/bench dist/bench [--windows 7] [--seconds 3]

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";

const MARK = "@bench ";
const T = 64;
const B = 32;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    windows: { type: "string", default: "7" },
    seconds: { type: "string", default: "3" },
    warmup: { type: "string", default: "3" },
    configs: { type: "string", default: "rnn:128:1,lstm:128:1,rnn:128:2,lstm:128:2" },
  },
});
if (positionals.length !== 2) {
  console.error(
    "usage: node bench/compare-builds.mjs BASELINE_DIST_BENCH CANDIDATE_DIST_BENCH [--windows N]",
  );
  process.exit(2);
}
const builds = positionals.map((dir) => resolve(dir, "bench", "worker.js"));
for (const worker of builds) {
  if (!existsSync(worker)) {
    console.error(`${worker} is missing: run \`npm run bench -- --help\` in that tree to build it`);
    process.exit(2);
  }
}

/** A worker process answering one command at a time. */
function startWorker(path, cell, hidden, threads) {
  const child = spawn(
    process.execPath,
    [path, "--impl", "rnnlab", "--cell", cell, "--hidden", hidden, "--threads", threads],
    {
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  const replies = [];
  const waiting = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    if (!line.startsWith(MARK)) return;
    const reply = JSON.parse(line.slice(MARK.length));
    const next = waiting.shift();
    if (next) next(reply);
    else replies.push(reply);
  });
  const receive = () => new Promise((done) => (replies.length ? done(replies.shift()) : waiting.push(done)));
  const ask = async (command) => {
    child.stdin.write(`${JSON.stringify(command)}\n`);
    const reply = await receive();
    if (reply.error) throw new Error(`${path}: ${reply.error}`);
    return reply;
  };
  const stop = async () => {
    await ask({ cmd: "done" });
    child.stdin.end();
  };
  return { receive, ask, stop };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const windows = Number(values.windows);

for (const config of values.configs.split(",")) {
  const [cell, hidden, threads] = config.split(":");
  const workers = builds.map((path) => startWorker(path, cell, hidden, threads));
  for (const w of workers) {
    const ready = await w.receive();
    if (!ready.ready) throw new Error(`worker did not start: ${JSON.stringify(ready)}`);
    await w.ask({ cmd: "warmup", seconds: Number(values.warmup) });
  }
  const rates = [[], []];
  for (let k = 0; k < windows; k++) {
    const order = k % 2 === 0 ? [0, 1] : [1, 0];
    for (const i of order) {
      const r = await workers[i].ask({ cmd: "window", seconds: Number(values.seconds) });
      rates[i].push((r.steps * T * B) / r.seconds);
    }
  }
  for (const w of workers) await w.stop();
  const ratios = rates[1].map((rate, k) => rate / rates[0][k]);
  const [a, b] = rates.map(median);
  console.log(
    `${cell.padEnd(4)} H=${hidden} threads=${threads}  A ${Math.round(a).toLocaleString("en")} tok/s  ` +
      `B ${Math.round(b).toLocaleString("en")} tok/s  B/A ${(b / a).toFixed(3)} ` +
      `(pairs ${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)})`,
  );
}
