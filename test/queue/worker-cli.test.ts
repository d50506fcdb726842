import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { QueueRunner } from "../../cli/sweep/queue.js";
import { endedOnce, eventLog } from "../helpers/queue-trials.js";
import { startWorker, type Worker, tinyTrainTrials } from "../helpers/queue-workers.js";
import { skipRedisTests, useRedis } from "../helpers/redis.js";

// Two real `rnnlab worker` processes run real (tiny) training trials of a sweep whose coordinator
// restarts mid-sweep. worker-kill.test.ts kills one mid-trial.

describe.skipIf(skipRedisTests())("rnnlab worker", () => {
  const redis = useRedis();
  const folder = mkdtempSync(join(tmpdir(), "rnnlab-worker-"));
  const workers: Worker[] = [];
  afterAll(() => {
    for (const w of workers) w.kill();
    rmSync(folder, { recursive: true, force: true });
  });

  it("two workers run a sweep whose coordinator restarts mid-sweep: every trial ends once, none runs twice", async () => {
    const sweep = tinyTrainTrials(folder, 4, 20);
    const runner = () =>
      new QueueRunner({ url: redis.url, sweepId: "restart", artefacts: folder, pollMs: 100 });
    const first = runner();
    const firstLog = eventLog();
    const running = first.run(sweep, firstLog.events);
    const [a, b] = [startWorker(redis.url), startWorker(redis.url)];
    workers.push(a, b);
    await expect.poll(() => firstLog.results.size, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    await first.close();
    await running;

    const second = runner();
    const secondLog = eventLog();
    try {
      await second.run(sweep, secondLog.events);
    } finally {
      await second.close();
    }
    expect(endedOnce(secondLog)).toEqual({ keys: sweep.map((t) => t.key).sort(), ends: 4 });
    for (const [key, [result]] of secondLog.results) {
      expect(result.status, `${key}: ${result.error}`).toBe("finished");
      expect(result.summary?.steps, key).toBe(20);
      expect(
        result.metrics.filter((r) => r.type === "val").map((r) => r.step),
        key,
      ).toEqual([10, 20]);
      expect(result.artefacts.dir, key).toBe(join(folder, key));
    }
    expect(await Promise.all([a.exited, b.exited])).toEqual([0, 0]); // --once: both leave when the queue is empty
    const started = (w: Worker) => w.events.filter((e) => e.event === "started").map((e) => e.trial);
    expect([...started(a), ...started(b)].sort()).toEqual(sweep.map((t) => t.key).sort());
    expect(started(a).length).toBeGreaterThan(0);
    expect(started(b).length).toBeGreaterThan(0);
  });
});
