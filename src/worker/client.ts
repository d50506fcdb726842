import {
  type ClientMessage,
  type ConnectivityResult,
  type DoneInfo,
  type EvalInfo,
  type GenerateOptions,
  type HypothesisResult,
  type LiveOptions,
  type LoadedInfo,
  PROTOCOL_VERSION,
  type ProgressInfo,
  type RunState,
  type SpanRequest,
  type StartedInfo,
  type StartOptions,
  type TrainingConfig,
  versionError,
  type WorkerMessage,
} from "./protocol.js";
import type { WorkerLike } from "./scope.js";

// The page's side of the training API: a typed handle on a Worker that runs serveTraining(). It
// imports no model code, so the page's main thread cannot run a training step by accident, and it
// adds a few kilobytes to the page's bundle.

/** A failure reported by the training worker: `name` is the library's error class (ConfigError,
 *  FormatError, NumericError, StateError, …) and `message` one line saying what to fix. */
export class TrainingError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export interface TrainingEvents {
  /** Every optimizer step. */
  progress: ProgressInfo;
  /** Every evalEvery steps: validation loss and a sample. */
  eval: EvalInfo;
  state: RunState;
  /** The run finished its budget or was stopped. */
  done: DoneInfo;
  /** A failure of the run itself (a request's failure rejects that request instead). */
  error: TrainingError;
}

type Listener<K extends keyof TrainingEvents> = (value: TrainingEvents[K]) => void;
type Distribute<T> = T extends unknown ? Omit<T, "v" | "id"> : never;
type Request = Distribute<ClientMessage>;

interface Pending {
  resolve(message: WorkerMessage): void;
  reject(error: TrainingError): void;
}

/**
 * Drives a training worker from the page:
 *
 *   const worker = new Worker(new URL("./train-worker.js", import.meta.url), { type: "module" });
 *   const client = new TrainingClient(worker);   // train-worker.js: serveTraining();
 *   client.on("progress", (p) => plot(p.step, p.loss));
 *   await client.start({ data: { text }, model: { cell: "lstm", hiddenSize: 64 }, steps: 500 });
 *   const done = await client.done();
 *   const bytes = await client.checkpoint();   // checkpoint.safetensors, as `rnnlab train` writes it
 */
export class TrainingClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners: { [K in keyof TrainingEvents]: Set<Listener<K>> } = {
    progress: new Set(),
    eval: new Set(),
    state: new Set(),
    done: new Set(),
    error: new Set(),
  };
  /** The latest run state the worker reported. */
  state: RunState = "stopped";

  constructor(readonly worker: WorkerLike) {
    worker.addEventListener("message", (event) => this.receive(event.data as WorkerMessage));
    worker.addEventListener("error", (event) => {
      event.preventDefault?.();
      this.failAll(
        new TrainingError("Error", `the training worker failed: ${event.message ?? "it could not load"}`),
      );
    });
    worker.addEventListener("messageerror", () => {
      this.failAll(new TrainingError("Error", "a message from the training worker could not be read"));
    });
  }

  /** Calls `listener` on each event of this type; returns a function that removes it. */
  on<K extends keyof TrainingEvents>(type: K, listener: Listener<K>): () => void {
    const set = this.listeners[type] as Set<Listener<K>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Starts a run (ending any run in progress) and resolves once it is set up: data tokenized,
   *  model built, threads started. */
  async start(config: TrainingConfig, options: StartOptions = {}): Promise<StartedInfo> {
    const answer = await this.request({ type: "start", config, options });
    return (answer as Extract<WorkerMessage, { type: "started" }>).info;
  }

  pause(): Promise<void> {
    return this.command({ type: "pause" });
  }

  resume(): Promise<void> {
    return this.command({ type: "resume" });
  }

  /** Runs `count` steps of a paused run; resolves once they have run. */
  step(count = 1): Promise<void> {
    return this.command({ type: "step", count });
  }

  /** Ends the run; its model stays in the worker for checkpoint() and sample(). */
  stop(): Promise<void> {
    return this.command({ type: "stop" });
  }

  /** Holds the learning rate at `lr` from the next step on. */
  setLearningRate(lr: number): Promise<void> {
    return this.command({ type: "set-lr", lr });
  }

  /** Clips and feeds as `options` say from the next step on ({ clip: null } turns clipping off);
   *  rejects with one line if an option is invalid. The checkpoint's options record the change. */
  setOptions(options: LiveOptions): Promise<void> {
    return this.command({ type: "set-options", options });
  }

  /** The run as a checkpoint.safetensors file's bytes. */
  async checkpoint(): Promise<Uint8Array> {
    const answer = await this.request({ type: "checkpoint" });
    return (answer as Extract<WorkerMessage, { type: "checkpoint" }>).bytes;
  }

  /** A free-running sample of the model as it is now, primed with the validation text. */
  async sample(options: { length?: number; temperature?: number; topP?: number } = {}): Promise<{
    text: string | null;
    tokens: Int32Array;
  }> {
    const { length = 200, temperature = 1, topP = 1 } = options;
    const answer = await this.request({ type: "sample", length, temperature, topP });
    const { text, tokens } = answer as Extract<WorkerMessage, { type: "sample" }>;
    return { text, tokens };
  }

  /** Loads checkpoint bytes (of `rnnlab train` or checkpoint()) to look inside, apart from any run;
   *  rejects with one line for a corrupt file or one without a tokenizer. */
  async load(bytes: Uint8Array): Promise<LoadedInfo> {
    const answer = await this.request({ type: "load", bytes });
    return (answer as Extract<WorkerMessage, { type: "loaded" }>).info;
  }

  /** The prime and the loaded model's continuation, as `rnnlab sample` prints it. */
  async generate(options: GenerateOptions): Promise<string> {
    const answer = await this.request({ type: "generate", options });
    return (answer as Extract<WorkerMessage, { type: "generated" }>).text;
  }

  /** Every hidden unit of `layer` (default the top one) after each token of `text`: states [T×H]. */
  async activations(text: string, layer?: number): Promise<{ tokens: string[]; states: Float32Array }> {
    const answer = await this.request({ type: "activations", text, layer });
    const { tokens, states } = answer as Extract<WorkerMessage, { type: "activations" }>;
    return { tokens, states };
  }

  /** The text that hypothesis() searches (its first 100,000 tokens) for the loaded model. */
  setCorpus(text: string): Promise<void> {
    return this.command({ type: "set-corpus", text });
  }

  /** LSTMVis's span hypothesis on `text` (tokens request.start..end): the units on across the span
   *  and off around it, and the places of the corpus (or of the text) where they are all on. */
  async hypothesis(text: string, request: SpanRequest): Promise<HypothesisResult> {
    const answer = await this.request({ type: "hypothesis", text, request });
    return (answer as Extract<WorkerMessage, { type: "hypothesis" }>).result;
  }

  /** ‖∂L_t/∂x_s‖ for s = 0..position of `text`: how much predicting the token after `position`
   *  depends on each input so far. */
  async connectivity(text: string, position: number): Promise<ConnectivityResult> {
    const answer = await this.request({ type: "connectivity", text, position });
    return (answer as Extract<WorkerMessage, { type: "connectivity" }>).result;
  }

  /** Resolves with the next "done" event; rejects with the next run failure. */
  done(): Promise<DoneInfo> {
    return new Promise((resolve, reject) => {
      const offDone = this.on("done", (info) => {
        offDone();
        offError();
        resolve(info);
      });
      const offError = this.on("error", (error) => {
        offDone();
        offError();
        reject(error);
      });
    });
  }

  terminate(): void {
    this.worker.terminate();
    this.failAll(new TrainingError("StateError", "the training worker was terminated"));
  }

  private async command(message: Request): Promise<void> {
    await this.request(message);
  }

  private request(message: Request): Promise<WorkerMessage> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ v: PROTOCOL_VERSION, id, ...message });
    });
  }

  private receive(message: WorkerMessage): void {
    const wrongVersion = versionError(message?.v, "page");
    if (wrongVersion !== null) {
      this.failAll(new TrainingError("ConfigError", wrongVersion));
      return;
    }
    switch (message.type) {
      case "progress":
        for (const info of message.infos) this.emit("progress", info);
        return;
      case "eval":
      case "done":
        this.emit(message.type, message.info);
        return;
      case "state":
        this.state = message.state;
        this.emit("state", message.state);
        return;
      case "error": {
        const error = new TrainingError(message.name, message.message);
        const pending = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (pending) pending.reject(error);
        else this.emit("error", error);
        return;
      }
      default: {
        const pending = this.pending.get(message.id);
        this.pending.delete(message.id);
        pending?.resolve(message);
      }
    }
  }

  private emit<K extends keyof TrainingEvents>(type: K, value: TrainingEvents[K]): void {
    for (const listener of this.listeners[type] as Set<Listener<K>>) listener(value);
  }

  private failAll(error: TrainingError): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    this.emit("error", error);
  }
}
