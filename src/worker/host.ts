import { ConfigError, StateError } from "../errors.js";
import { ready } from "../kernels/kernel-path.js";
import {
  type ClientMessage,
  type ProgressInfo,
  PROTOCOL_VERSION,
  type RunState,
  SHARD_WORKER_NAME,
  versionError,
  type WorkerMessage,
} from "./protocol.js";
import { LoadedModel } from "./inference.js";
import type { Run } from "./run.js";
import { TrainingSession, type ThreadSource } from "./session.js";
import { TaskSession } from "./task-session.js";
import { serveShard, workerShardSpawner } from "./shards.js";
import { now, type ScriptUrl, type WorkerScope, workerScope, yieldToEvents } from "./scope.js";

// The worker side of the training API. Steps run in slices of about SLICE_MS, with the worker's
// event loop served between slices, so pause, stop, a new learning rate or a checkpoint request
// takes effect after at most one slice.

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
      case "pause":
        this.live();
        this.pendingSteps = 0;
        this.answerSteps();
        this.setState("paused");
        break;
      case "resume":
        this.live();
        this.setState("running");
        this.loop();
        break;
      case "step":
        this.live();
        if (this.state !== "paused") throw new StateError("step() needs a paused run: call pause() first");
        if (!Number.isInteger(message.count) || message.count < 1) {
          throw new ConfigError(`step count must be an integer >= 1, got ${message.count}`);
        }
        this.pendingSteps += message.count;
        this.stepRequests.push(id);
        this.loop();
        return;
      case "stop":
        if (this.state === "running" || this.state === "paused") this.end("stopped");
        break;
      case "set-lr":
        this.current().setLearningRate(message.lr);
        break;
      case "set-options":
        this.live().setOptions(message.options ?? {});
        break;
      case "checkpoint": {
        const bytes = this.current().checkpoint();
        this.post({ type: "checkpoint", id, bytes }, [bytes.buffer]);
        return;
      }
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
      case "sample": {
        const { text, tokens } = this.current().sample(message.length, message.temperature, message.topP);
        this.post({ type: "sample", id, text, tokens }, [tokens.buffer]);
        return;
      }
      default:
        throw new ConfigError(`unknown message type ${JSON.stringify((message as { type?: unknown }).type)}`);
    }
    this.post({ type: "ack", id });
  }

  private async start(id: number, message: Extract<ClientMessage, { type: "start" }>): Promise<void> {
    this.session?.close();
    this.session = null;
    this.setState("stopped");
    await ready();
    const { config } = message;
    const options = message.options ?? {};
    const synthetic = typeof config?.task === "string" && config.task !== "text";
    const session: Run = synthetic
      ? await TaskSession.create(config, options, this.threads)
      : await TrainingSession.create(config, options, this.threads);
    this.session = session;
    this.post({ type: "started", id, info: session.info() });
    this.setState(message.options?.paused ? "paused" : "running");
    this.loop();
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
        this.session?.close();
        this.setState("stopped");
      })
      .finally(() => {
        this.looping = false;
      });
  }

  private async run(): Promise<void> {
    while (this.session && (this.state === "running" || this.pendingSteps > 0)) {
      const sliceEnd = now() + SLICE_MS;
      do {
        this.trainStep(this.session);
        if (this.state === "paused" && --this.pendingSteps === 0) this.answerSteps();
      } while (now() < sliceEnd && this.state === "running");
      this.flushProgress();
      await yieldToEvents();
    }
  }

  private trainStep(session: Run): void {
    const progress = session.step();
    this.progress.push(progress);
    if (session.evalDue()) {
      const info = session.evaluate();
      this.post({ type: "eval", info }, [info.sampleTokens.buffer]);
    }
    if (session.finished()) this.end("finished");
  }

  private end(reason: "finished" | "stopped"): void {
    const session = this.current();
    this.pendingSteps = 0;
    this.answerSteps();
    this.setState(reason);
    session.close();
    const valLoss = session.finalLoss();
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
