import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

describe.skipIf(skipRedisTests())("rnnlab sweep SPEC --queue URL", () => {
  const redis = useRedis();
  const scratch = mkdtempSync(join(tmpdir(), "rnnlab-sweep-queue-"));
  const workers: Worker[] = [];
  afterAll(() => {
    for (const w of workers) w.kill();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("records in the coordinator's store what a local run of the same sweep records", async () => {
    const text = join(scratch, "text.txt");
    writeFileSync(text, readFileSync("data/tinyshakespeare.txt", "utf8").slice(0, 20_000));
    const spec = join(scratch, "spec.yaml");
    writeFileSync(
      spec,
      [
        `train: { data: ${text}, hidden: 8, embedding: 4, seq-len: 8, batch: 4, steps: 20, eval-every: 10, val-batches: 2 }`,
        "grid: { cell: [rnn, gru] }",
        "seeds: [1, 2]",
        "metric: valLoss",
        `artefacts: ${join(scratch, "trials")}`,
      ].join("\n"),
    );
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
    const queue = new Queue(QUEUE_NAME, { connection: queueConnection(redis.url) });
    try {
      // Workers with --once leave an empty queue: start them once the trials are queued.
      await expect
        .poll(async () => (await queue.getJobCounts("waiting")).waiting, { timeout: 30_000 })
        .toBe(4);
    } finally {
      await queue.close();
    }
    workers.push(startWorker(redis.url), startWorker(redis.url));
    expect(await exited, stderr).toBe(0);
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);

    const queued = storeContents(join(scratch, "queued.sqlite"));
    const expected = storeContents(join(scratch, "local.sqlite"));
    expect(Object.keys(queued.trials)).toHaveLength(4);
    expect(queued).toEqual(expected);
  }, 120_000);
});
