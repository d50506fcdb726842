import { ConfigError, StateError } from "../errors.js";
import { ready } from "../kernels/kernel-path.js";
import {
  type ClientMessage,
  type ProgressInfo,
  type StartOptions,
  type TrainingConfig,
  PROTOCOL_VERSION,
  type RunState,
  SHARD_WORKER_NAME,
  versionError,
  type WorkerMessage,
} from "./protocol.js";
import { LoadedModel } from "./inference.js";
import { askedDevice, startTextRun } from "./gpu-session.js";
import type { Maybe, Run } from "./run.js";
import type { ThreadSource } from "./session.js";
import { TaskSession } from "./task-session.js";
import { serveShard, workerShardSpawner } from "./shards.js";
import { now, type ScriptUrl, type WorkerScope, workerScope, yieldToEvents } from "./scope.js";

// The worker side of the training API. Steps run in slices of about SLICE_MS, with the worker's
// event loop served between slices, so pause, stop, a new learning rate or a checkpoint request
// takes effect after at most one slice. Every call on the run takes its turn (exclusive()): a GPU
// step awaits its read-back, and a checkpoint, a stop or a new start waits for it to finish.

const SLICE_MS = 20;

type Distribute<T> = T extends unknown ? Omit<T, "v"> : never;
type Outgoing = Distribute<WorkerMessage>;

export interface ServeTrainingOptions {
  /** The script thread workers run; default this worker's own script (serveTraining serves a
   *  shard in a worker named SHARD_WORKER_NAME). */
  shardUrl?: ScriptUrl;
}

/** Makes this dedicated worker a training worker for a TrainingClient on the page. Call it once,
 *  at the top level of the worker's module. */
export function serveTraining(options: ServeTrainingOptions = {}): void {
  const scope = workerScope();
  if (scope.name === SHARD_WORKER_NAME) {
    serveShard(scope);
    return;
  }
  const host = new TrainingHost(scope, threadSource(scope, options));
  scope.addEventListener("message", (event) => host.receive(event.data));
}

function threadSource(scope: WorkerScope, options: ServeTrainingOptions): ThreadSource {
  const maxThreads = Math.max(1, scope.navigator?.hardwareConcurrency ?? 1);
  const url = options.shardUrl ?? scope.location?.href;
  if (typeof SharedArrayBuffer === "undefined" || scope.crossOriginIsolated === false) {
    const unavailable =
      "the page is not cross-origin isolated (no SharedArrayBuffer), so training runs on one thread; serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp for more";
    return { spawn: null, maxThreads, unavailable };
  }
  if (url === undefined || typeof (globalThis as { Worker?: unknown }).Worker !== "function") {
    const unavailable =
      "this worker cannot start thread workers (no Worker or script URL), so training runs on one thread";
    return { spawn: null, maxThreads, unavailable };
  }
  return { spawn: workerShardSpawner(url), maxThreads, unavailable: null };
}

class TrainingHost {
  private session: Run | null = null;
  private state: RunState = "stopped";
  /** Steps asked for by step() while paused, and the requests to answer once they have run. */
  private pendingSteps = 0;
  private stepRequests: number[] = [];
  private looping = false;
  /** Steps not yet reported: sent as one message before anything else is posted, or at the end
   *  of a slice, so the page handles a few dozen messages a second, not one per step. */
  private progress: ProgressInfo[] = [];
  /** A checkpoint loaded to look inside (load()), apart from any training run. */
  private loaded: LoadedModel | null = null;
  /** The end of the last call on the run that has taken its turn. */
  private turns: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly scope: WorkerScope,
    private readonly threads: ThreadSource,
  ) {}

  receive(raw: unknown): void {
    const message = raw as Partial<ClientMessage> | null;
    const id = typeof message?.id === "number" ? message.id : 0;
    const wrongVersion = versionError(message?.v, "worker");
    if (wrongVersion !== null) {
      this.post({ type: "error", id, name: "ConfigError", message: wrongVersion });
      return;
    }
    try {
      this.handle(message as ClientMessage);
    } catch (error) {
      this.fail(id, error);
    }
  }

  private handle(message: ClientMessage): void {
    const { id } = message;
    switch (message.type) {
      case "start":
        this.start(id, message).catch((error) => this.fail(id, error));
        return;
      // The controls take their turns in the order they came: the step under way ends first, so a
      // pause's ack follows every step taken before it.
      case "pause":
        this.inTurn(id, () => {
          this.live();
          this.pendingSteps = 0;
          this.answerSteps();
          this.setState("paused");
        });
        return;
      case "resume":
        this.inTurn(id, () => {
          this.live();
          this.setState("running");
          this.loop();
        });
        return;
      case "step":
        this.inTurn(id, () => this.stepPaused(id, message.count), false);
        return;
      case "stop":
        this.inTurn(id, async () => {
          if (this.state === "running" || this.state === "paused") await this.end("stopped");
        });
        return;
      case "set-lr":
        this.inTurn(id, () => this.current().setLearningRate(message.lr));
        return;
      case "set-options":
        this.inTurn(id, () => this.live().setOptions(message.options ?? {}));
        return;
      case "checkpoint":
        this.inTurn(
          id,
          async () => {
            const bytes = await this.current().checkpoint();
            this.post({ type: "checkpoint", id, bytes }, [bytes.buffer]);
          },
          false,
        );
        return;
      case "load":
        this.loaded = LoadedModel.fromBytes(message.bytes);
        this.post({ type: "loaded", id, info: this.loaded.info() });
        return;
      case "generate":
        this.post({ type: "generated", id, text: this.inspected().generate(message.options) });
        return;
      case "activations": {
        const { tokens, states } = this.inspected().activations(message.text, message.layer);
        this.post({ type: "activations", id, tokens, states }, [states.buffer]);
        return;
      }
      case "set-corpus":
        this.inspected().setCorpus(message.text);
        break;
      case "hypothesis":
        this.post({
          type: "hypothesis",
          id,
          result: this.inspected().hypothesis(message.text, message.request),
        });
        return;
      case "connectivity": {
        const result = this.inspected().connectivity(message.text, message.position);
        this.post({ type: "connectivity", id, result }, [result.norms.buffer]);
        return;
      }
      case "sample":
        this.inTurn(
          id,
          async () => {
            const { length, temperature, topP } = message;
            const { text, tokens } = await this.current().sample(length, temperature, topP);
            this.post({ type: "sample", id, text, tokens }, [tokens.buffer]);
          },
          false,
        );
        return;
      default:
        throw new ConfigError(`unknown message type ${JSON.stringify((message as { type?: unknown }).type)}`);
    }
    this.post({ type: "ack", id });
  }

  private async start(id: number, message: Extract<ClientMessage, { type: "start" }>): Promise<void> {
    const previous = this.session;
    this.session = null;
    this.setState("stopped");
    // A run that fails to free what it holds does not keep a new one from starting.
    if (previous) await this.exclusive(() => previous.close()).catch(() => {});
    await ready();
    const { config } = message;
    const options = message.options ?? {};
    const synthetic = typeof config?.task === "string" && config.task !== "text";
    const session: Run = synthetic
      ? await this.taskRun(config, options)
      : await startTextRun(config, options, this.threads, this.scope.navigator?.gpu);
    this.session = session;
    this.post({ type: "started", id, info: session.info() });
    this.setState(message.options?.paused ? "paused" : "running");
    this.loop();
  }

  /** Runs `count` steps of a paused run, then answers request `id`. */
  private stepPaused(id: number, count: number): void {
    this.live();
    if (this.state !== "paused") throw new StateError("step() needs a paused run: call pause() first");
    if (!Number.isInteger(count) || count < 1) {
      throw new ConfigError(`step count must be an integer >= 1, got ${count}`);
    }
    this.pendingSteps += count;
    this.stepRequests.push(id);
    this.loop();
  }

  /** A synthetic task's run: on the CPU, saying so when WebGPU was asked for. */
  private async taskRun(config: TrainingConfig, options: StartOptions): Promise<Run> {
    const device = askedDevice(options);
    const session = await TaskSession.create(config, options, this.threads);
    if (device === "webgpu")
      session.deviceNote = "the WebGPU backend trains text runs only; training the task on the CPU";
    return session;
  }

  /** Runs `work` once every call on the run before it has finished (a GPU step awaits its
   *  read-back: nothing may touch the run until it is done). */
  private exclusive<T>(work: () => Maybe<T>): Promise<T> {
    const result = this.turns.then(work);
    this.turns = result.catch(() => {});
    return result;
  }

  /** Runs request `id`'s `work` in turn, then acks it (unless `ack` is false: the work answers);
   *  a failure rejects the request with its one line. */
  private inTurn(id: number, work: () => Maybe<void>, ack = true): void {
    this.exclusive(work).then(
      () => {
        if (ack) this.post({ type: "ack", id });
      },
      (error) => this.fail(id, error),
    );
  }

  private inspected(): LoadedModel {
    if (!this.loaded) throw new StateError("no model loaded in this worker: call load() first");
    return this.loaded;
  }

  private current(): Run {
    if (!this.session) throw new StateError("no run in this worker: call start() first");
    return this.session;
  }

  /** The current session, which must still be training. */
  private live(): Run {
    const session = this.current();
    if (this.state === "finished" || this.state === "stopped") {
      throw new StateError(`the run has ${this.state}: start() a new one`);
    }
    return session;
  }

  private loop(): void {
    if (this.looping) return;
    this.looping = true;
    this.run()
      .catch((error) => {
        // The run cannot go on (a NaN loss, say): it stops where it is, its last state kept.
        this.fail(0, error);
        this.pendingSteps = 0;
        this.answerSteps();
        const session = this.session;
        if (session) this.exclusive(() => session.close()).catch(() => {});
        this.setState("stopped");
      })
      .finally(() => {
        this.looping = false;
      });
  }

  private async run(): Promise<void> {
    while (this.wantsStep()) {
      const sliceEnd = now() + SLICE_MS;
      do {
        await this.exclusive(() => this.trainStep());
      } while (now() < sliceEnd && this.state === "running");
      this.flushProgress();
      await yieldToEvents();
    }
  }

  /** Whether the run should take a step now: it is running, or paused with steps asked for. */
  private wantsStep(): boolean {
    if (!this.session) return false;
    return this.state === "running" || (this.state === "paused" && this.pendingSteps > 0);
  }

  /** A step (its turn may come after a pause, a stop or a new start: then none). */
  private async trainStep(): Promise<void> {
    const session = this.session;
    if (!session || !this.wantsStep()) return;
    this.progress.push(await session.step());
    if (session.evalDue()) {
      const info = await session.evaluate();
      this.post({ type: "eval", info }, [info.sampleTokens.buffer]);
    }
    if (session.finished()) await this.end("finished");
    if (this.state === "paused" && this.pendingSteps > 0 && --this.pendingSteps === 0) this.answerSteps();
  }

  /** Ends the run (inside a turn): its final loss, then what it holds freed; its model stays. */
  private async end(reason: "finished" | "stopped"): Promise<void> {
    const session = this.current();
    this.pendingSteps = 0;
    this.answerSteps();
    this.setState(reason);
    const valLoss = await session.finalLoss();
    await session.close();
    const info = {
      step: session.steps(),
      reason,
      valLoss,
      tokensPerSecond: session.tokensPerSecond(),
      seconds: session.trainSeconds(),
    };
    this.post({ type: "done", info });
  }

  private answerSteps(): void {
    for (const id of this.stepRequests) this.post({ type: "ack", id });
    this.stepRequests = [];
  }

  private setState(state: RunState): void {
    if (this.state === state) return;
    this.state = state;
    this.post({ type: "state", state });
  }

  private fail(id: number, error: unknown): void {
    const name = error instanceof Error ? error.name : "Error";
    const message = error instanceof Error ? error.message : String(error);
    this.post({ type: "error", id, name, message });
  }

  private flushProgress(): void {
    if (this.progress.length === 0) return;
    const infos = this.progress;
    this.progress = [];
    const transfer = infos.map((info) => info.hiddenGradNorms.buffer);
    this.scope.postMessage({ v: PROTOCOL_VERSION, type: "progress", infos }, transfer);
  }

  private post(message: Outgoing, transfer: ArrayBufferLike[] = []): void {
    this.flushProgress();
    this.scope.postMessage({ v: PROTOCOL_VERSION, ...message }, transfer);
  }
}
