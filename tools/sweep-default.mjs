// The sweep behind `npm start`'s defaults (README, "The default run"): each candidate trains on the
// bundled text for the same wall-clock budget as the default run, one after the other (never two at
// once: they would share the cores), and the table gives each one's loss on the full validation split.
//   node tools/sweep-default.mjs [--minutes 4.5] [--results sweep.jsonl] [--only a,b]
// Results append to the JSONL file as each run ends, and a candidate already in it is not run again,
// so an interrupted sweep goes on where it stopped. Run it on an idle machine: the budget is time.
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "dist", "cli", "main.js");

/** A candidate's flags: every setting the sweep varies is spelled out, so a candidate means the
 *  same run whatever `rnnlab train`'s defaults are (they were H 128, E 32, T 64, evaluation every 100,
 *  lr 0.003 constant before the sweep). */
const flags = (
  { hidden, embedding = 64, seqLen = 64, evalEvery = 100, lr = "0.003", schedule = "constant" },
  ...extra
) => [
  ...["--hidden", String(hidden), "--embedding", String(embedding)],
  ...["--seq-len", String(seqLen), "--eval-every", String(evalEvery)],
  ...["--lr", lr, "--lr-schedule", schedule],
  ...extra,
];
const chosenShape = { hidden: 384, seqLen: 128, evalEvery: 250 };

/** name → the flags it gives `rnnlab train`. */
const candidates = {
  "h128-e32": flags({ hidden: 128, embedding: 32 }),
  "h256-e64": flags({ hidden: 256 }),
  "h384-e64": flags({ hidden: 384 }),
  "h512-e64": flags({ hidden: 512 }),
  "h256-e64-l2": flags({ hidden: 256 }, "--layers", "2"),
  "h384-e64-l2-d0.1": flags({ hidden: 384 }, "--layers", "2", "--dropout", "0.1"),
  "h384-e64-lr5e-3": flags({ hidden: 384, lr: "0.005" }),
  "h384-e64-lr2e-3": flags({ hidden: 384, lr: "0.002" }),
  "h384-e64-b64": flags({ hidden: 384 }, "--batch", "64"),
  "h384-e64-ev500": flags({ hidden: 384, evalEvery: 500 }),
  "h384-e64-t128": flags({ hidden: 384, seqLen: 128 }),
  "h384-e64-t256": flags({ hidden: 384, seqLen: 256 }),
  "h384-e64-t128-ev250": flags({ hidden: 384, seqLen: 128, evalEvery: 250 }),
  "h512-e64-t128": flags({ hidden: 512, seqLen: 128 }),
  // The cosine's length is fitted to the minutes (the steps they hold at the pace measured first).
  "h384-e64-t128-ev250-cos3e-3": flags({ ...chosenShape, schedule: "cosine" }),
  "h384-e64-t128-ev250-cos5e-3": flags({ ...chosenShape, lr: "0.005", schedule: "cosine" }),
  "h384-e64-t128-ev250-cos7e-3": flags({ ...chosenShape, lr: "0.007", schedule: "cosine" }),
};

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "4.5" },
    results: { type: "string", default: "sweep-default.jsonl" },
    only: { type: "string" },
  },
});
const minutes = Number(values.minutes);
if (!(minutes > 0)) throw new Error(`--minutes must be a positive number, got ${values.minutes}`);
if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
const names = values.only ? values.only.split(",") : Object.keys(candidates);
for (const name of names) {
  if (!(name in candidates))
    throw new Error(`unknown candidate ${name}; known: ${Object.keys(candidates).join(", ")}`);
}

const done = new Map();
if (existsSync(values.results)) {
  for (const line of readFileSync(values.results, "utf8").split("\n")) {
    if (line.trim()) {
      const row = JSON.parse(line);
      if (row.minutes === minutes) done.set(row.name, row);
    }
  }
}

const scratch = mkdtempSync(join(tmpdir(), "rnnlab-sweep-"));
try {
  for (const name of names) {
    if (done.has(name)) continue;
    const flags = candidates[name];
    const out = join(scratch, name);
    const args = [cli, "train", "--force", "--json", "--minutes", String(minutes), "--out", out, ...flags];
    process.stderr.write(`${name}: rnnlab train ${flags.join(" ")}\n`);
    const run = spawnSync(process.execPath, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    if (run.status !== 0) throw new Error(`${name} failed (exit ${run.status})`);
    const result = JSON.parse(run.stdout.trim().split("\n").at(-1));
    const row = {
      name,
      flags,
      minutes,
      valLoss: result.valLoss,
      steps: result.steps,
      tokensPerSecond: Math.round(result.tokensPerSecond),
      threads: result.threads,
    };
    appendFileSync(values.results, `${JSON.stringify(row)}\n`);
    done.set(name, row);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const rows = names.map((name) => done.get(name)).sort((a, b) => a.valLoss - b.valLoss);
console.log("| candidate | flags | val loss (nats/char) | steps | tokens/s |");
console.log("| --- | --- | --- | --- | --- |");
for (const row of rows) {
  console.log(
    `| ${row.name} | \`${row.flags.join(" ")}\` | ${row.valLoss.toFixed(4)} | ${row.steps} | ${row.tokensPerSecond} |`,
  );
}
