import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { QueueRunner } from "../../cli/sweep/queue.js";
import { endedOnce, eventLog } from "../helpers/queue-trials.js";
import { startWorker, type Worker, tinyTrainTrials } from "../helpers/queue-workers.js";
import { skipRedisTests, useRedis } from "../helpers/redis.js";

// A worker SIGKILLed mid-trial (with its trial's process, as when a machine dies) stops renewing
// its job's lock (2 s here); the other worker's stalled check puts the job back and runs it.

/** Short, so the test is quick; long enough that a loaded machine renews it in time. */
const LOCK_MS = 2000;

describe.skipIf(skipRedisTests())("rnnlab worker, killed", () => {
  const redis = useRedis();
  const folder = mkdtempSync(join(tmpdir(), "rnnlab-worker-kill-"));
  const workers: Worker[] = [];
  afterAll(() => {
    for (const w of workers) w.kill();
    rmSync(folder, { recursive: true, force: true });
  });

  it("a worker SIGKILLed mid-trial has its trial retried by the other, and every trial ends once", async () => {
    const sweep = tinyTrainTrials(folder, 2, 40);
    const runner = new QueueRunner({ url: redis.url, sweepId: "kill", artefacts: folder, pollMs: 100 });
    const log = eventLog();
    const running = runner.run(sweep, log.events);
    const doomed = startWorker(redis.url, LOCK_MS);
    workers.push(doomed);
    await expect.poll(() => doomed.events.some((e) => e.event === "started"), { timeout: 30_000 }).toBe(true);
    const victim = String(doomed.events.find((e) => e.event === "started")?.trial);
    const survivor = startWorker(redis.url, LOCK_MS);
    workers.push(survivor);
    await expect.poll(() => log.lines.includes(`started ${victim} #1`), { timeout: 30_000 }).toBe(true);
    doomed.kill();
    try {
      await running;
    } finally {
      await runner.close();
    }

    expect(endedOnce(log)).toEqual({ keys: sweep.map((t) => t.key).sort(), ends: 2 });
    expect(log.lines).toContain(`started ${victim} #2`);
    expect(log.results.get(victim)?.map((r) => r.status)).toEqual(["finished"]);
    expect(survivor.events.filter((e) => e.event === "ended").map((e) => e.trial)).toContain(victim);
    expect(await survivor.exited).toBe(0);
  });
});
