// The coordinator's side of a queued sweep: one BullMQ job per trial on "rnnlab-trials", run by
// `rnnlab worker` processes anywhere, followed until each is completed or failed for good. The jobs'
// states, polled, are the truth; QueueEvents only make the news arrive sooner. So a coordinator that
// restarts on the same sweep adds nothing twice (a job id is the sweep's and the trial's) and gets
// the results that finished while it was away from the jobs' stored return values.

import { hostname } from "node:os";
import { join } from "node:path";
import { type Job, type JobState, Queue, QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import { UserError } from "../errors.js";
import {
  asTrialResult,
  isTrialProgress,
  QUEUE_NAME,
  STOP_TTL_S,
  stopKey,
  type TrialJobData,
  type TrialProgress,
  trialJobId,
} from "./queue-jobs.js";
import { connectRedis, queueConnection } from "./redis.js";
import type { Trial, TrialEvents, TrialResult, TrialRunner } from "./types.js";

export interface QueueRunnerOptions {
  /** redis://HOST:PORT */
  url: string;
  sweepId: string;
  /** Trial folders go to `<artefacts>/<trial key>`: a path every worker's machine sees. */
  artefacts: string;
  /** How often the jobs' states are read (default 300 ms). */
  pollMs?: number;
  /** Runs of a trial whose worker threw (not a trial that failed: that is a result); default 2. */
  attempts?: number;
  /** Tries to reach Redis (default 5). */
  tries?: number;
}

/** A trial of the current run() and what has been told of it. */
interface Followed {
  trial: Trial;
  jobId: string;
  /** The attempt whose `started` was sent (0: none yet). */
  announced: number;
  /** events.record answered "stop": the stop key is set, later records are dropped. */
  stopped: boolean;
  ended: boolean;
  /** This trial's steps run one after another, so its events keep their order. */
  chain: Promise<void>;
}

type Connection = { client: Redis; queue: Queue<TrialJobData>; queueEvents: QueueEvents };

export class QueueRunner implements TrialRunner {
  private connection: Promise<Connection> | null = null;
  private closed = false;
  private wake: () => void = () => {};

  constructor(private readonly o: QueueRunnerOptions) {}

  async run(trials: readonly Trial[], events: TrialEvents): Promise<void> {
    const { client, queue, queueEvents } = await this.open();
    const followed = new Map<string, Followed>();
    for (const trial of trials) {
      const jobId = trialJobId(this.o.sweepId, trial);
      followed.set(jobId, {
        trial,
        jobId,
        announced: 0,
        stopped: false,
        ended: false,
        chain: Promise.resolve(),
      });
    }
    const follow = new Follow(queue, client, events, () => this.wake());
    const listeners = follow.listen(queueEvents, followed);
    try {
      await this.retryFailed(queue, [...followed.keys()]);
      await queue.addBulk(trials.map((trial) => this.job(trial)));
      for (let pending = [...followed.values()]; pending.length > 0; ) {
        if (this.closed) return; // as the local pool: close() ends run() early, on purpose
        await Promise.all(pending.map((f) => follow.step(f, () => follow.check(f))));
        follow.rethrow();
        pending = pending.filter((f) => !f.ended);
        if (pending.length > 0) await this.nap(this.o.pollMs ?? 300);
      }
    } catch (error) {
      if (this.closed) return; // close() cut a Redis call short
      if (error instanceof UserError) throw error;
      throw new UserError(`lost the queue at ${this.o.url}: ${messageOf(error)}`);
    } finally {
      listeners.off();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake();
    const connection = await this.connection?.catch(() => null);
    if (!connection) return;
    await connection.queueEvents.close().catch(() => {});
    await connection.queue.close().catch(() => {});
    connection.client.disconnect();
  }

  private open(): Promise<Connection> {
    this.connection ??= (async () => {
      const client = await connectRedis(this.o.url, { tries: this.o.tries });
      const connection = queueConnection(this.o.url);
      const queue = new Queue<TrialJobData>(QUEUE_NAME, { connection });
      const queueEvents = new QueueEvents(QUEUE_NAME, { connection });
      queue.on("error", () => {}); // the poll reports a lost Redis, once
      queueEvents.on("error", () => {});
      await Promise.all([queue.waitUntilReady(), queueEvents.waitUntilReady()]);
      return { client, queue, queueEvents };
    })();
    return this.connection;
  }

  private job(trial: Trial) {
    const jobId = trialJobId(this.o.sweepId, trial);
    const data: TrialJobData = { sweepId: this.o.sweepId, trial, dir: join(this.o.artefacts, trial.key) };
    // Kept when done: a restarted coordinator reads the results from them.
    const opts = { jobId, attempts: this.o.attempts ?? 2, removeOnComplete: false, removeOnFail: false };
    return { name: trial.key, data, opts };
  }

  /** A job that failed for good in an earlier run is run again: the coordinator asked for it. */
  private async retryFailed(queue: Queue<TrialJobData>, jobIds: string[]): Promise<void> {
    await Promise.all(
      jobIds.map(async (jobId) => {
        if ((await queue.getJobState(jobId)) !== "failed") return;
        await (await queue.getJob(jobId))?.retry("failed", { resetAttemptsMade: true });
      }),
    );
  }

  /** Waits `ms`, or less when an event says something happened. */
  private nap(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

/** One run()'s following of its jobs: their states, their progress, and the events they give. */
class Follow {
  private failure: unknown = null;

  constructor(
    private readonly queue: Queue<TrialJobData>,
    private readonly client: Redis,
    private readonly events: TrialEvents,
    private readonly wake: () => void,
  ) {}

  /** Queues `work` after this trial's earlier steps; an error fails the run (rethrow). */
  step(f: Followed, work: () => Promise<void>): Promise<void> {
    f.chain = f.chain.then(work).catch((error: unknown) => {
      this.failure ??= error;
      this.wake();
    });
    return f.chain;
  }

  rethrow(): void {
    if (this.failure !== null) throw this.failure;
  }

  listen(queueEvents: QueueEvents, followed: Map<string, Followed>): { off(): void } {
    const check = ({ jobId }: { jobId: string }) => {
      const f = followed.get(jobId);
      if (f && !f.ended) void this.step(f, () => this.check(f)).then(this.wake);
    };
    const progress = ({ jobId, data }: { jobId: string; data: unknown }) => {
      const f = followed.get(jobId);
      if (f && !f.ended && isTrialProgress(data)) void this.step(f, () => this.progress(f, data));
    };
    queueEvents.on("active", check);
    queueEvents.on("completed", check);
    queueEvents.on("failed", check);
    queueEvents.on("progress", progress);
    return {
      off: () => {
        queueEvents.off("active", check);
        queueEvents.off("completed", check);
        queueEvents.off("failed", check);
        queueEvents.off("progress", progress);
      },
    };
  }

  /** Acts on the job's state: announces a new attempt, ends a finished job, re-adds a lost one. */
  async check(f: Followed): Promise<void> {
    if (f.ended) return;
    const state: JobState | "unknown" = await this.queue.getJobState(f.jobId);
    if (state === "active") await this.announce(f, await this.queue.getJob(f.jobId));
    else if (state === "completed" || state === "failed") await this.finish(f, state);
  }

  async progress(f: Followed, data: TrialProgress): Promise<void> {
    if (f.ended || data.attempt < f.announced) return; // a dead attempt's late records
    if (data.attempt > f.announced) await this.announce(f, await this.queue.getJob(f.jobId));
    for (const record of data.records) {
      if (f.stopped) return;
      if (this.events.record(f.trial, record) === "stop") {
        f.stopped = true;
        await this.client.set(stopKey(f.jobId), "1", "EX", STOP_TTL_S);
      }
    }
  }

  /** `started` for an attempt not yet announced: the worker's machine (its name) and the attempt. */
  private async announce(f: Followed, job: Job<TrialJobData> | undefined): Promise<void> {
    const attempt = Math.max(1, job?.attemptsStarted ?? 0);
    if (!job || attempt <= f.announced) return;
    f.announced = attempt;
    this.events.started(f.trial, { machine: job.processedBy ?? "unknown", attempt });
  }

  private async finish(f: Followed, state: "completed" | "failed"): Promise<void> {
    const job = await this.queue.getJob(f.jobId);
    if (!job) return;
    await this.announce(f, job); // a job done before this coordinator saw it start
    const result =
      state === "completed"
        ? (asTrialResult(job.returnvalue) ?? failedResult(job, "the worker returned no trial result"))
        : failedResult(job, job.failedReason || "the job failed");
    f.ended = true;
    this.events.ended(f.trial, result);
  }
}

/** A job that ended without a trial result (its worker threw, or died once too often). */
function failedResult(job: Job<TrialJobData>, reason: string): TrialResult {
  const seconds = job.finishedOn && job.processedOn ? (job.finishedOn - job.processedOn) / 1000 : 0;
  return {
    status: "failed",
    summary: null,
    metrics: [],
    error: reason.split("\n")[0],
    artefacts: { dir: job.data.dir },
    seconds,
    machine: job.processedBy ?? hostname(),
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
