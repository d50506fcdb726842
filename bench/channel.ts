// One implementation under test as run.ts sees it, wherever it runs (a Node or Python process, a
// Chromium page): commands go out, replies come back in order, and other output is kept for the
// error message when it fails.

import type { Command } from "./common.js";

/** The last lines of output kept for an error message. */
const TAIL_LINES = 30;

export abstract class Channel {
  private readonly replies: unknown[] = [];
  private waiter: { resolve: (v: unknown) => void; reject: (e: Error) => void } | null = null;
  private readonly tail: string[] = [];
  private closedBecause: string | null = null;

  constructor(
    readonly label: string,
    private readonly verbose: boolean,
  ) {}

  /** Sends one command to the implementation. */
  protected abstract send(command: Command): void;

  /** Ends it at once (idempotent). */
  abstract kill(): void;

  /** Resolves once it has ended. */
  abstract get exited(): Promise<void>;

  /** Why it ended, or null while it runs. */
  protected get closed(): string | null {
    return this.closedBecause;
  }

  /** A reply: to the caller waiting for one, else queued for the next. */
  protected deliver(message: unknown): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.resolve(message);
    } else this.replies.push(message);
  }

  /** Any other output line: kept for the error message, passed through with --verbose. */
  protected note(line: string): void {
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    if (this.verbose) process.stderr.write(`  [${this.label}] ${line}\n`);
  }

  /** It ended: a caller waiting for a reply gets an error saying why, with its last output. */
  protected finish(reason: string): void {
    if (this.closedBecause) return;
    this.closedBecause = reason;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.reject(new Error(`${this.label} ${reason}${this.output()}`));
    }
  }

  output(): string {
    return this.tail.length ? `\n    ${this.tail.slice(-12).join("\n    ")}` : "";
  }

  /** The next message, or an error when it ends or `timeoutMs` passes first. */
  next(timeoutMs: number): Promise<unknown> {
    const queued = this.replies.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closedBecause) {
      return Promise.reject(new Error(`${this.label} ${this.closedBecause}${this.output()}`));
    }
    return new Promise((resolvePromise, rejectPromise) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        this.kill();
        rejectPromise(new Error(`${this.label}: no answer within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.waiter = {
        resolve: (v) => {
          clearTimeout(timer);
          resolvePromise(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          rejectPromise(e);
        },
      };
    });
  }

  request(command: Command, timeoutMs: number): Promise<unknown> {
    this.send(command);
    return this.next(timeoutMs);
  }
}
