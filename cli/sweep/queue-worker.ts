// `rnnlab worker`'s loop: a BullMQ Worker on "rnnlab-trials" that runs each job's trial (runTrial,
// passed in), sends its metric records back in batches as job progress, stops it when the
// coordinator sets its stop key, and returns its TrialResult. A worker killed mid-trial stops
// renewing the job's lock; another worker's stalled check puts the job back and runs it again.

import { hostname } from "node:os";
import { type Job, Queue, WaitingError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { MetricRecord } from "../../node/store/types.js";
import { UserError } from "../errors.js";
import { QUEUE_NAME, stopKey, type TrialJobData, type TrialProgress } from "./queue-jobs.js";
import { connectRedis, queueConnection } from "./redis.js";
import type { TrialOptions } from "./trial.js";
import type { Trial, TrialResult } from "./types.js";

const BATCH_MS = 200;
const STOP_POLL_MS = 200;
const ONCE_POLL_MS = 300;
const DEFAULT_LOCK_MS = 30_000;

export interface QueueWorkerOptions {
  url: string;
  concurrency: number;
  /** Close once no job is waiting, delayed or active anywhere (tests). */
  once: boolean;
  json: boolean;
  runTrial: (trial: Trial, options: TrialOptions) => Promise<TrialResult>;
  /** Where the started/ended lines go (default stdout). */
  out?: NodeJS.WritableStream;
  /** A job's lock: a dead worker's trial is retried this long (to twice this) after it died.
   *  Default RNNLAB_QUEUE_LOCK_MS, else 30 s. */
  lockMs?: number;
  tries?: number;
}

export interface QueueWorker {
  /** Settles when the worker has closed: rejects when Redis was lost. */
  done: Promise<void>;
  /** Stops the running trials, puts their jobs back on the queue, and closes. */
  close(): Promise<void>;
}

export async function startQueueWorker(o: QueueWorkerOptions): Promise<QueueWorker> {
  const lockMs = o.lockMs ?? lockFromEnv();
  const client = await connectRedis(o.url, { tries: o.tries });
  const say = sayer(o);
  const running = new Map<string, AbortController>();
  /** Jobs whose lock this worker failed to renew: another worker may be running them now. */
  const lost = new Set<string>();
  let closing: Promise<void> | null = null;

  const processTrial = async (job: Job<TrialJobData>, token?: string): Promise<TrialResult> => {
    const controller = new AbortController();
    running.set(job.id ?? "", controller);
    try {
      const result = await runJob(o, client, job, controller.signal, say);
      if (lost.has(job.id ?? "")) throw new Error("lost the job's lock: its trial was stopped here");
      // A trial that failed or was killed because this worker's shutdown stopped it is not a result.
      if (!closing || (result.status !== "failed" && result.status !== "killed")) {
        say(endedLine(job, result));
        return result;
      }
    } catch (error) {
      if (!closing) throw error;
    } finally {
      running.delete(job.id ?? "");
      lost.delete(job.id ?? "");
    }
    // Back on the queue, no attempt spent: another worker (or this one, restarted) runs it.
    await job.moveToWait(token);
    say({ event: "requeued", trial: job.data.trial.key, job: job.id });
    throw new WaitingError();
  };

  const worker = new Worker<TrialJobData, TrialResult>(QUEUE_NAME, processTrial, {
    connection: queueConnection(o.url),
    concurrency: o.concurrency,
    name: hostname(),
    lockDuration: lockMs,
    stalledInterval: lockMs,
    maxStalledCount: 2,
    drainDelay: 1,
    autorun: false,
  });
  const queue = new Queue(QUEUE_NAME, { connection: queueConnection(o.url) });
  worker.on("lockRenewalFailed", (jobIds) => {
    for (const id of jobIds) {
      lost.add(id);
      running.get(id)?.abort();
    }
  });
  worker.on(
    "error",
    onceEach((message) => process.stderr.write(`rnnlab worker: ${message}\n`)),
  );
  queue.on("error", () => {});
  worker.on("failed", (job, error) => {
    if (job && error.name !== "WaitingError")
      say({ event: "failed", trial: job.data.trial.key, error: error.message });
  });

  let lostRedis: UserError | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      for (const controller of running.values()) controller.abort();
      await worker.close();
      await queue.close().catch(() => {});
      client.disconnect();
    })();
    return closing;
  };
  client.on("end", () => {
    if (closing) return; // this worker's own close
    lostRedis ??= new UserError(`lost Redis at ${o.url}: rnnlab worker stopped`);
    void close();
  });

  const runs = worker.run();
  say({ event: "ready", queue: o.url, concurrency: o.concurrency });
  const emptied = o.once ? whenEmpty(queue, running, () => closing !== null) : null;
  void emptied?.then(
    (empty) => {
      if (empty) void close();
    },
    () => void close(), // Redis went away: the "end" handler has the reason
  );
  const done = runs.then(async () => {
    await close();
    if (lostRedis) throw lostRedis;
  });
  return { done, close };
}

/** One job: its trial run with records batched back and the stop key polled. */
async function runJob(
  o: QueueWorkerOptions,
  client: Redis,
  job: Job<TrialJobData>,
  signal: AbortSignal,
  say: Say,
): Promise<TrialResult> {
  const { trial, dir } = job.data;
  const attempt = job.attemptsStarted;
  say({ event: "started", trial: trial.key, job: job.id, attempt });
  const batches = new ProgressBatches(job, attempt);
  const stop = new StopFlag(client, stopKey(job.id ?? ""));
  try {
    const result = await o.runTrial(trial, {
      // A retry gets a folder of its own: the attempt it replaces may still be writing (a worker
      // too slow to renew its lock is taken for dead).
      dir: attempt > 1 ? `${dir}-attempt${attempt}` : dir,
      signal,
      onRecord: (record) => {
        batches.add(record);
        return stop.requested ? "stop" : "continue";
      },
    });
    await batches.flush();
    return { ...result, machine: hostname() };
  } finally {
    batches.end();
    stop.end();
  }
}

/** Records sent as job progress, at most every BATCH_MS, in order. */
class ProgressBatches {
  private pending: MetricRecord[] = [];
  private sending: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly job: Job<TrialJobData>,
    private readonly attempt: number,
  ) {
    this.timer = setInterval(() => void this.send(), BATCH_MS);
  }

  add(record: MetricRecord): void {
    this.pending.push(record);
  }

  /** Sends what is left and waits for every batch. */
  flush(): Promise<void> {
    return this.send();
  }

  end(): void {
    clearInterval(this.timer);
  }

  private send(): Promise<void> {
    if (this.pending.length > 0) {
      const progress: TrialProgress = { attempt: this.attempt, records: this.pending };
      this.pending = [];
      // Progress is for speed only (the result carries every record): a lost batch is no error.
      this.sending = this.sending.then(() => this.job.updateProgress(progress).catch(() => {}));
    }
    return this.sending;
  }
}

/** The coordinator's stop request for one job, polled. */
class StopFlag {
  requested = false;
  private readonly timer: NodeJS.Timeout;

  constructor(client: Redis, key: string) {
    this.timer = setInterval(() => {
      client.exists(key).then(
        (n) => {
          if (n > 0) this.requested = true;
        },
        () => {},
      );
    }, STOP_POLL_MS);
  }

  end(): void {
    clearInterval(this.timer);
  }
}

/** Resolves true once no job waits, is delayed or runs anywhere, and none runs here; false if the
 *  worker closes first. */
async function whenEmpty(
  queue: Queue,
  running: Map<string, unknown>,
  closing: () => boolean,
): Promise<boolean> {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, ONCE_POLL_MS));
    if (closing()) return false;
    if (running.size > 0) continue;
    const counts = await queue.getJobCounts("wait", "active", "delayed", "prioritized", "waiting-children");
    if (Object.values(counts).every((n) => n === 0)) return true;
  }
}

function lockFromEnv(): number {
  const text = process.env.RNNLAB_QUEUE_LOCK_MS;
  if (text === undefined || text === "") return DEFAULT_LOCK_MS;
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms < 100) {
    throw new UserError(`RNNLAB_QUEUE_LOCK_MS=${text} is not a whole number of milliseconds >= 100`);
  }
  return ms;
}

function endedLine(job: Job<TrialJobData>, result: TrialResult): Record<string, unknown> {
  const { status, seconds, error, summary } = result;
  return { event: "ended", trial: job.data.trial.key, job: job.id, status, seconds, error, summary };
}

type Say = (line: Record<string, unknown>) => void;

/** A line per event: JSON with --json, else "started <trial> (job …, attempt n)" and the like. */
function sayer(o: QueueWorkerOptions): Say {
  const out = o.out ?? process.stdout;
  return (line) => out.write(`${o.json ? JSON.stringify(line) : plainLine(line)}\n`);
}

function plainLine(line: Record<string, unknown>): string {
  switch (line.event) {
    case "ready":
      return `waiting for trials on ${line.queue} (concurrency ${line.concurrency})`;
    case "started":
      return `started ${line.trial} (job ${line.job}, attempt ${line.attempt})`;
    case "ended": {
      const seconds = typeof line.seconds === "number" ? line.seconds.toFixed(1) : "?";
      return `ended ${line.trial}: ${line.status} in ${seconds} s${line.error ? ` (${line.error})` : ""}`;
    }
    case "requeued":
      return `requeued ${line.trial} (job ${line.job}): this worker is stopping`;
    default:
      return `${line.event} ${line.trial}: ${line.error}`;
  }
}

/** A handler that passes a message on only when it differs from the one before (reconnect noise). */
function onceEach(write: (message: string) => void): (error: Error) => void {
  let last = "";
  return (error) => {
    if (error.message === last) return;
    last = error.message;
    write(error.message);
  };
}
