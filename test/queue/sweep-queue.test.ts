import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { afterAll, describe, expect, it } from "vitest";
import { QUEUE_NAME } from "../../cli/sweep/queue-jobs.js";
import { queueConnection } from "../../cli/sweep/redis.js";
import { RunStore } from "../../dist/node/store/index.js";
import { rnnlab } from "../helpers/cli.js";
import { startWorker, type Worker } from "../helpers/queue-workers.js";
import { skipRedisTests, useRedis } from "../helpers/redis.js";

// `rnnlab sweep --queue` end to end: the coordinator's store after two workers ran the sweep holds
// what a local run of the same spec writes (statuses, final metrics, every metric record).

/** Per trial key: status, final metrics but timings, and metric records but timings. */
function storeContents(path: string) {
  const store = RunStore.open(path);
  try {
    const [sweep] = store.listSweeps();
    const rows = store.trialRuns(sweep.id).map((run) => {
      const { seconds, tokensPerSecond, checkpoint, report, metrics, ...final } = run.final ?? {};
      const records = store.metrics(run.id).map(({ step, type, values }) => {
        const { tokensPerSecond: _t, seconds: _s, ...kept } = values;
        return { step, type, values: kept };
      });
      return [run.trialKey, { status: run.status, kind: run.kind, final, records }] as const;
    });
    return { sweep: sweep.id, trials: Object.fromEntries(rows) };
  } finally {
    store.close();
  }
}

/** A spec of tiny train trials (20 steps) with its artefacts in `folder`/`name`. */
function writeSpec(folder: string, name: string, body: string): string {
  const text = join(folder, "text.txt");
  writeFileSync(text, readFileSync("data/tinyshakespeare.txt", "utf8").slice(0, 20_000));
  const fixed = `train: { data: ${text}, hidden: 8, embedding: 4, seq-len: 8, batch: 4, steps: 20, eval-every: 10, val-batches: 2 }`;
  const spec = join(folder, `${name}.yaml`);
  writeFileSync(spec, `${fixed}\nname: ${name}\nartefacts: ${join(folder, name)}\n${body}\n`);
  return spec;
}

/** Workers with --once leave an empty queue: they start once the coordinator has queued the trials. */
async function waitForWaitingJobs(url: string, n: number): Promise<void> {
  const queue = new Queue(QUEUE_NAME, { connection: queueConnection(url) });
  try {
    await expect.poll(async () => (await queue.getJobCounts("waiting")).waiting, { timeout: 30_000 }).toBe(n);
  } finally {
    await queue.close();
  }
}

function finishedRows(path: string) {
  const store = RunStore.open(path);
  try {
    const [sweep] = store.listSweeps();
    return sweep ? store.trialRuns(sweep.id).filter((r) => r.status === "finished") : [];
  } finally {
    store.close();
  }
}

describe.skipIf(skipRedisTests())("rnnlab sweep SPEC --queue URL", () => {
  const redis = useRedis();
  const scratch = mkdtempSync(join(tmpdir(), "rnnlab-sweep-queue-"));
  const workers: Worker[] = [];
  afterAll(() => {
    for (const w of workers) w.kill();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("records in the coordinator's store what a local run of the same sweep records", async () => {
    const spec = writeSpec(scratch, "spec", "grid: { cell: [rnn, gru] }\nseeds: [1, 2]\nmetric: valLoss");
    const local = rnnlab(["sweep", spec, "--store", join(scratch, "local.sqlite"), "--parallel", "2"]);
    expect(local.status, local.stderr).toBe(0);

    const coordinator = spawn(
      process.execPath,
      ["dist/cli/main.js", "sweep", spec, "--store", join(scratch, "queued.sqlite"), "--queue", redis.url],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    coordinator.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => coordinator.once("exit", resolve));
    await waitForWaitingJobs(redis.url, 4);
    workers.push(startWorker(redis.url), startWorker(redis.url));
    expect(await exited, stderr).toBe(0);
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);

    const queued = storeContents(join(scratch, "queued.sqlite"));
    const expected = storeContents(join(scratch, "local.sqlite"));
    expect(Object.keys(queued.trials)).toHaveLength(4);
    expect(queued).toEqual(expected);
  }, 120_000);

  it("a coordinator killed mid-sweep and restarted with --resume records every trial's result once", async () => {
    const spec = writeSpec(scratch, "restart", "grid: { cell: [rnn, gru] }\nseeds: [3, 4]\nmetric: valLoss");
    const store = join(scratch, "restart.sqlite");
    const args = ["dist/cli/main.js", "sweep", spec, "--store", store, "--queue", redis.url];
    const first = spawn(process.execPath, args, { stdio: "ignore" });
    await waitForWaitingJobs(redis.url, 4);
    workers.push(startWorker(redis.url), startWorker(redis.url));
    const finished = () => (existsSync(store) ? finishedRows(store).length : 0);
    await expect.poll(finished, { timeout: 60_000 }).toBeGreaterThanOrEqual(1);
    first.kill("SIGKILL");
    const again = rnnlab(["sweep", spec, "--store", store, "--queue", redis.url, "--resume"]);
    expect(again.status, again.stderr).toBe(0);
    const rows = finishedRows(store);
    expect(rows).toHaveLength(4);
    expect(new Set(rows.map((r) => r.trialKey)).size).toBe(4);
  }, 120_000);
});
