import type { ClaimOutcome, LabReply, RunRequest } from "./lab-protocol.ts";

// The page's side of the lab worker: a queue of claims sent one at a time, so that a claim asked for
// by its Run button goes next, after the claim that is running.

export interface RunnerEvents {
  catalogue(reply: Extract<LabReply, { type: "catalogue" }>): void;
  queued(id: string): void;
  started(id: string): void;
  progress(id: string, message: string): void;
  done(id: string, result: ClaimOutcome, seconds: number): void;
  failed(id: string, message: string): void;
  /** The worker itself failed (it could not load, say): nothing more will run. */
  broken(message: string): void;
}

interface Queued {
  id: string;
  fresh: boolean;
}

export class LabRunner {
  private readonly queue: Queued[] = [];
  private running: string | null = null;
  private broken = false;
  /** Whether the catalogue came: the worker's module loaded. */
  private loaded = false;
  private readonly corpusUrl = new URL("./data/tinyshakespeare.txt", location.href).href;

  constructor(
    private readonly worker: Worker,
    private readonly events: RunnerEvents,
  ) {
    worker.addEventListener("message", (event: MessageEvent<LabReply>) => this.receive(event.data));
    worker.addEventListener("error", (event) => {
      event.preventDefault(); // shown in the page, not as an uncaught error in the console
      this.crash(event.message || "it could not be loaded");
    });
    worker.addEventListener("messageerror", () => this.crash("a message from it could not be read"));
  }

  /** Queues every claim not queued or running yet, in order: the run through the whole lab. */
  runAll(ids: readonly string[]): void {
    for (const id of ids) {
      if (id === this.running || this.queue.some((q) => q.id === id)) continue;
      this.queue.push({ id, fresh: false });
      this.events.queued(id);
    }
    this.next();
  }

  /** Runs one claim from scratch as soon as the worker is free (unless it is running now). */
  runNow(id: string): void {
    if (id === this.running) return;
    const at = this.queue.findIndex((q) => q.id === id);
    if (at >= 0) this.queue.splice(at, 1);
    this.queue.unshift({ id, fresh: true });
    this.events.queued(id);
    this.next();
  }

  get busy(): boolean {
    return this.running !== null || this.queue.length > 0;
  }

  private next(): void {
    if (this.running !== null || this.broken) return;
    const item = this.queue.shift();
    if (item === undefined) return;
    this.running = item.id;
    this.events.started(item.id);
    const request: RunRequest = { type: "run", id: item.id, fresh: item.fresh, corpusUrl: this.corpusUrl };
    this.worker.postMessage(request);
  }

  private receive(reply: LabReply): void {
    if (reply.type === "catalogue") {
      this.loaded = true;
      this.events.catalogue(reply);
    } else if (reply.type === "progress") {
      this.events.progress(reply.id, reply.message);
    } else {
      this.running = null;
      if (reply.type === "done") this.events.done(reply.id, reply.result, reply.seconds);
      else this.events.failed(reply.id, reply.message);
      this.next();
    }
  }

  /** An error the worker did not catch: the claim running fails; without a catalogue, everything. */
  private crash(reason: string): void {
    const message = `the lab's worker failed: ${reason}`;
    if (this.loaded && this.running !== null) {
      this.receive({ type: "failed", id: this.running, message });
      return;
    }
    this.broken = true;
    for (const id of [this.running, ...this.queue.map((q) => q.id)])
      if (id !== null) this.events.failed(id, message);
    this.running = null;
    this.queue.length = 0;
    this.events.broken(message);
  }
}
