// What thread-independent gradients would cost a training step (issue 14, item 6): `rnnlab train`'s
// default shape (LSTM, H 384, E 64, T 128, B 32, V 65, float32, Adam) with the batch cut into fixed
// shards of 8 rows, each shard's gradient kept apart and summed in the shards' order, against
// today's one shard per thread. The fixed shards are emulated through the public API: the same
// lossAndGrad calls on the same row blocks and the same gradient copies (at 2 threads, one
// dataParallel call per pair of shards: one handshake more than a built-in version would need).
// Rounds alternate the two ways, so a shared machine's drift hits both alike; prints the median
// step of each and the cost, in wall time and in the process's CPU time (all threads together:
// less disturbed by other processes on a busy machine, blind to threads waiting on each other). Run after `npx tsc -p tsconfig.build.json`:
//   node tools/shard-cost.mjs [threads=1] [rounds=7] [steps=3]

import { dataParallel, enableRelaxedSimd } from "../dist/node/index.js";
import { createOptimizer, SequenceModel } from "../dist/src/index.js";

enableRelaxedSimd(); // as the CLI does
const threads = Number(process.argv[2] ?? 1);
const rounds = Number(process.argv[3] ?? 7);
const steps = Number(process.argv[4] ?? 3);
const [V, T, B, ROWS] = [65, 128, 32, 8];

let state = 12345;
const next = () => {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  return (state >>> 16) % V;
};
const tokens = Int32Array.from({ length: T * B }, next);
const classes = Int32Array.from({ length: T * B }, next);

/** Rows start..start+rows−1 of a time-major [T·B] array. */
function rowsOf(array, start, rows) {
  const out = new Int32Array(T * rows);
  for (let t = 0; t < T; t++) out.set(array.subarray(t * B + start, t * B + start + rows), t * rows);
  return out;
}

function build() {
  const model = new SequenceModel(
    {
      cell: "lstm",
      hiddenSize: 384,
      layers: 1,
      input: { kind: "embedding", vocabSize: V, embeddingSize: 64 },
      outputSize: V,
      dtype: "float32",
    },
    { seed: 1 },
  );
  const optimizer = createOptimizer({ name: "adam", lr: 0.002 }, model);
  const parallel = dataParallel(model, threads);
  return { model, optimizer, parallel };
}

/** Today: one dataParallel call over the batch (one shard per thread). */
function today(run) {
  run.parallel.lossAndGrad({ T, B, tokens }, { classes });
  run.optimizer.step(run.model.params.data, run.model.params.grad);
}

/** Fixed shards: `threads` shards of ROWS rows per call, each call's gradient copied out, then
 *  Σ_s (c_s/c)·g_s in a fixed order (every shard here counts T·ROWS positions). */
function fixedShards(run, blocks, grads) {
  for (let k = 0; k < blocks.length; k++) {
    run.parallel.lossAndGrad(blocks[k].batch, blocks[k].targets);
    grads[k].set(run.model.params.grad);
  }
  const out = run.model.params.grad;
  const w = 1 / blocks.length;
  for (let i = 0; i < out.length; i++) out[i] = w * grads[0][i] + w * grads[1][i];
  for (let k = 2; k < blocks.length; k++) for (let i = 0; i < out.length; i++) out[i] += w * grads[k][i];
  run.optimizer.step(run.model.params.data, run.model.params.grad);
}

const blockRows = ROWS * threads;
const blocks = [];
for (let start = 0; start < B; start += blockRows) {
  blocks.push({
    batch: { T, B: blockRows, tokens: rowsOf(tokens, start, blockRows) },
    targets: { classes: rowsOf(classes, start, blockRows) },
  });
}
const a = build();
const b = build();
await a.parallel.ready();
await b.parallel.ready();
const grads = blocks.map(() => new Float32Array(b.model.params.grad.length));
const ways = [
  ["one shard per thread", () => today(a)],
  [`fixed shards of ${ROWS} rows`, () => fixedShards(b, blocks, grads)],
];
for (const [, step] of ways) step(); // warm-up: kernels compiled, workspaces allocated
const wall = ways.map(() => []);
const cpu = ways.map(() => []);
for (let r = 0; r < rounds; r++) {
  for (let w = 0; w < ways.length; w++) {
    const start = performance.now();
    const startCpu = process.cpuUsage();
    for (let s = 0; s < steps; s++) ways[w][1]();
    const used = process.cpuUsage(startCpu);
    wall[w].push((performance.now() - start) / steps);
    cpu[w].push((used.user + used.system) / 1000 / steps);
  }
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
for (const [clock, times] of [
  ["wall", wall],
  ["CPU", cpu],
]) {
  for (let w = 0; w < ways.length; w++) {
    const ms = times[w].map((t) => t.toFixed(0)).join(" ");
    console.log(
      `${threads} thread(s), ${ways[w][0]}: ${clock} median ${median(times[w]).toFixed(1)} ms/step (rounds: ${ms})`,
    );
  }
  const ratios = times[1].map((t, r) => t / times[0][r]);
  console.log(
    `${clock} cost of fixed shards: ${((median(ratios) - 1) * 100).toFixed(1)} % (median of the rounds' ratios)`,
  );
}
a.parallel.close();
b.parallel.close();
