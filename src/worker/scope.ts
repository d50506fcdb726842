// The few Web Worker globals this folder uses, typed here because the core compiles without the
// DOM's types (its code must not depend on them elsewhere).

/** A script's address: a string or a URL object. */
export type ScriptUrl = string | { readonly href: string };

/** Milliseconds from a monotonic clock (performance.now, in every worker and in Node). */
export function now(): number {
  return (globalThis as unknown as { performance: { now(): number } }).performance.now();
}

export interface MessageEventLike<T = unknown> {
  data: T;
}

export interface ErrorEventLike {
  message?: string;
  preventDefault?(): void;
}

/** A dedicated worker's global scope, or a page's Worker object: both post and receive. */
export interface MessageTarget {
  postMessage(message: unknown, transfer?: unknown[]): void;
  addEventListener(type: "message", listener: (event: MessageEventLike) => void): void;
  addEventListener(type: "error" | "messageerror", listener: (event: ErrorEventLike) => void): void;
}

export interface WorkerLike extends MessageTarget {
  terminate(): void;
}

export interface WorkerScope extends MessageTarget {
  /** The name the worker was created with (a shard's is SHARD_WORKER_NAME). */
  name?: string;
  location?: { href: string };
  crossOriginIsolated?: boolean;
  /** `gpu`: WebGPU, where the browser has it (a GPU run's steps). */
  navigator?: { hardwareConcurrency?: number; gpu?: GPU };
  close(): void;
}

type WorkerConstructor = new (url: ScriptUrl, options: { type: "module"; name?: string }) => WorkerLike;

/** The worker's own scope. */
export function workerScope(): WorkerScope {
  return globalThis as unknown as WorkerScope;
}

/** `new Worker(url, { type: "module", name })`, or a ConfigError where this runtime has no Worker. */
export function newModuleWorker(url: ScriptUrl, name: string): WorkerLike {
  const Worker = (globalThis as unknown as { Worker?: WorkerConstructor }).Worker;
  if (!Worker) throw new Error("this runtime has no Worker: threads need a browser (or rnnlab/node in Node)");
  return new Worker(url, { type: "module", name });
}

interface ChannelLike {
  port1: { onmessage: (() => void) | null; close(): void };
  port2: { postMessage(message: unknown): void };
}

declare function setTimeout(callback: () => void, ms: number): unknown;

/** Resolves after the messages already queued for this worker have run (a MessageChannel round
 *  trip: unlike setTimeout, browsers do not stretch it to 4 ms when it repeats). */
export function yieldToEvents(): Promise<void> {
  const Channel = (globalThis as unknown as { MessageChannel?: new () => ChannelLike }).MessageChannel;
  return new Promise((resolve) => {
    if (!Channel) {
      setTimeout(resolve, 0);
      return;
    }
    const channel = new Channel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(0);
  });
}
