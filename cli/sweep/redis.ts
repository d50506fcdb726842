// Redis for a sweep's queue: `--queue redis://HOST:PORT` parsed, and a client that gives up after a
// bounded number of tries with one line, so neither `rnnlab sweep --queue` nor `rnnlab worker` hangs
// on a Redis that is not there.

import type { RedisOptions as QueueConnection } from "bullmq";
import { Redis } from "ioredis";
import { UserError } from "../errors.js";

export const DEFAULT_TRIES = 5;
const RETRY_MS = 200;
const CONNECT_TIMEOUT_MS = 2000;
/** BullMQ's own connections ride out a Redis restart this long (1 s apart) before they give up. */
const QUEUE_RECONNECT_TRIES = 30;

export interface RedisAddress {
  host: string;
  port: number;
  username?: string;
  password?: string;
}

/** redis://[USER:PASSWORD@]HOST[:PORT] (port 6379 by default); anything else is refused in one line. */
export function parseRedisUrl(url: string): RedisAddress {
  const bad = (why: string) =>
    new UserError(
      `--queue ${JSON.stringify(url)} ${why}: give redis://HOST:PORT (e.g. redis://127.0.0.1:6379)`,
    );
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad("is not a URL");
  }
  if (parsed.protocol !== "redis:") throw bad(`has the scheme ${parsed.protocol.replace(/:$/, "")}`);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  if (!host) throw bad("names no host");
  if ((parsed.pathname && parsed.pathname !== "/") || parsed.search || parsed.hash) {
    throw bad("has a path or query");
  }
  const port = parsed.port ? Number(parsed.port) : 6379;
  const address: RedisAddress = { host, port };
  if (parsed.username) address.username = decodeURIComponent(parsed.username);
  if (parsed.password) address.password = decodeURIComponent(parsed.password);
  return address;
}

/** Options for BullMQ's connections (Queue, QueueEvents, Worker): blocking commands need
 *  maxRetriesPerRequest null; reconnects are bounded so a lost Redis ends in errors, not a hang. */
export function queueConnection(url: string): QueueConnection {
  return {
    ...parseRedisUrl(url),
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => (times <= QUEUE_RECONNECT_TRIES ? 1000 : null),
  };
}

/** A connected client, or a UserError after `tries` failed attempts (200 ms apart, 2 s each at most).
 *  Once connected, a lost connection is retried as many times before its commands fail. */
export async function connectRedis(url: string, o: { tries?: number } = {}): Promise<Redis> {
  const tries = o.tries ?? DEFAULT_TRIES;
  const client = new Redis({
    ...parseRedisUrl(url),
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: (times) => (times < tries ? RETRY_MS : null),
  });
  let lastError = "no answer";
  // Kept for the client's life: without a listener ioredis prints every failed reconnect.
  client.on("error", (error: NodeJS.ErrnoException) => {
    lastError = error.code ?? error.message;
  });
  const reached = await readyOrEnd(client, tries * (CONNECT_TIMEOUT_MS + RETRY_MS) + 1000);
  if (!reached) {
    client.disconnect();
    throw new UserError(
      `cannot reach Redis at ${url} after ${tries} tries (${lastError}): start redis-server or fix --queue`,
    );
  }
  return client;
}

/** True once the client is ready; false when it gives up (status "end") or the time is up. */
function readyOrEnd(client: Redis, limitMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const settle = (ok: boolean) => {
      clearTimeout(timer);
      client.off("ready", onReady);
      client.off("end", onEnd);
      resolve(ok);
    };
    const onReady = () => settle(true);
    const onEnd = () => settle(false);
    const timer = setTimeout(() => settle(false), limitMs);
    client.once("ready", onReady);
    client.once("end", onEnd);
    client.connect().catch(() => {
      // The first failure: the retry strategy goes on, and "ready" or "end" settles.
    });
  });
}
