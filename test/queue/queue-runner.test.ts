import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { QueueRunner } from "../../cli/sweep/queue.js";
import { type QueueWorker, type QueueWorkerOptions, startQueueWorker } from "../../cli/sweep/queue-worker.js";
import { endedOnce, eventLog, fakeRunTrial, fakeTrials, thisMachine } from "../helpers/queue-trials.js";
import { skipRedisTests, useRedis } from "../helpers/redis.js";

// The coordinator and workers in this process, with fake trials: the queue's bookkeeping, fast.
// test/queue/worker-cli.test.ts runs real `rnnlab worker` processes and real trials.

describe.skipIf(skipRedisTests())("QueueRunner with in-process workers", () => {
  const redis = useRedis();
  const open: { close(): Promise<void> }[] = [];
  let sweeps = 0;
  const sweepId = () => `sweep${++sweeps}x${process.pid}`;

  afterEach(async () => {
    await Promise.all(open.splice(0).map((o) => o.close()));
  });

  function runner(id: string): QueueRunner {
    const r = new QueueRunner({
      url: redis.url,
      sweepId: id,
      artefacts: "/tmp/rnnlab-queue-test",
      pollMs: 100,
    });
    open.push(r);
    return r;
  }

  async function worker(
    o: Partial<QueueWorkerOptions> & Pick<QueueWorkerOptions, "runTrial">,
  ): Promise<QueueWorker> {
    const out = new Writable({ write: (_chunk, _encoding, done) => done() });
    const w = await startQueueWorker({ url: redis.url, concurrency: 1, once: false, json: true, out, ...o });
    open.push(w);
    return w;
  }

  it("run(6 trials) on two workers ends each trial once, after its start, with the worker's result", async () => {
    const [ranA, ranB]: string[][] = [[], []];
    await worker({ runTrial: fakeRunTrial(ranA) });
    await worker({ runTrial: fakeRunTrial(ranB) });
    const log = eventLog();
    const trials = fakeTrials(6);
    await runner(sweepId()).run(trials, log.events);

    expect(endedOnce(log)).toEqual({ keys: trials.map((t) => t.key).sort(), ends: 6 });
    for (const trial of trials) {
      expect(log.lines.indexOf(`started ${trial.key} #1`)).toBeLessThan(
        log.lines.indexOf(`ended ${trial.key} finished`),
      );
      const [result] = log.results.get(trial.key) ?? [];
      expect(result.summary).toEqual({ valLoss: trial.seed });
      expect(result.metrics).toHaveLength(5);
      expect(result.machine).toBe(thisMachine);
      expect(result.artefacts.dir).toBe(`/tmp/rnnlab-queue-test/${trial.key}`);
    }
    expect([...ranA, ...ranB].sort()).toEqual(trials.map((t) => t.key).sort());
    expect(ranA.length).toBeGreaterThan(0);
    expect(ranB.length).toBeGreaterThan(0);
    expect(new Set(log.machines)).toEqual(new Set([thisMachine]));
  });

  it("run() passes progress records to events.record, and 'stop' ends the trial stopped on its worker", async () => {
    await worker({ runTrial: fakeRunTrial([], { steps: 40, ms: 25 }) });
    const log = eventLog((trial, record) => trial.key === "t1" && record.step >= 2);
    await runner(sweepId()).run(fakeTrials(2), log.events);

    const [stopped] = log.results.get("t1") ?? [];
    expect(stopped.status).toBe("stopped");
    expect(stopped.metrics.length).toBeLessThan(40);
    const [finished] = log.results.get("t2") ?? [];
    expect(finished.status).toBe("finished");
    expect(log.records.get("t2")?.length).toBeGreaterThan(0);
    expect(log.records.get("t2")).toEqual(finished.metrics.slice(0, log.records.get("t2")?.length));
  });

  it("a second QueueRunner on the same sweep, after the first closed mid-sweep, gets every result once", async () => {
    const ran: string[] = [];
    await worker({ runTrial: fakeRunTrial(ran, { steps: 4, ms: 30 }) });
    const id = sweepId();
    const trials = fakeTrials(5);
    const first = runner(id);
    const firstLog = eventLog();
    const running = first.run(trials, firstLog.events);
    await expect.poll(() => firstLog.results.size).toBeGreaterThanOrEqual(1);
    await first.close();
    await running;
    expect(firstLog.results.size).toBeLessThan(5);

    const secondLog = eventLog();
    await runner(id).run(trials, secondLog.events);
    expect(endedOnce(secondLog)).toEqual({ keys: trials.map((t) => t.key).sort(), ends: 5 });
    expect([...ran].sort()).toEqual(trials.map((t) => t.key).sort()); // none ran twice
  });

  it("run() again on a finished sweep delivers the stored results without running a trial again", async () => {
    const ran: string[] = [];
    await worker({ runTrial: fakeRunTrial(ran) });
    const id = sweepId();
    const trials = fakeTrials(3);
    await runner(id).run(trials, eventLog().events);
    const again = eventLog();
    await runner(id).run(trials, again.events);

    expect(endedOnce(again).ends).toBe(3);
    expect(again.lines.filter((l) => l.startsWith("started"))).toHaveLength(3); // a row per trial
    expect(again.results.get("t2")?.[0].summary).toEqual({ valLoss: 2 });
    expect(ran).toHaveLength(3);
  });

  it("a worker closed mid-trial puts its job back, and another worker runs it to the end", async () => {
    const ranA: string[] = [];
    const a = await worker({ runTrial: fakeRunTrial(ranA, { steps: 100, ms: 20 }) });
    const log = eventLog();
    const running = runner(sweepId()).run(fakeTrials(1), log.events);
    await expect.poll(() => ranA.length).toBe(1);
    await a.close();
    const ranB: string[] = [];
    await worker({ runTrial: fakeRunTrial(ranB, { steps: 3, ms: 10 }) });
    await running;

    expect(ranB).toEqual(["t1"]);
    expect(log.results.get("t1")?.map((r) => r.status)).toEqual(["finished"]);
  });

  it("a job whose worker throws on both attempts ends failed with the reason", async () => {
    await worker({
      runTrial: async () => {
        throw new Error("disk on fire");
      },
    });
    const log = eventLog();
    await runner(sweepId()).run(fakeTrials(1), log.events);
    const [result] = log.results.get("t1") ?? [];
    expect(result.status).toBe("failed");
    expect(result.error).toBe("disk on fire");
    // The first attempt may have thrown before the coordinator saw it start.
    expect(log.lines.slice(-2)).toEqual(["started t1 #2", "ended t1 failed"]);
    expect(log.lines.filter((l) => l.startsWith("ended"))).toHaveLength(1);
  });
});
