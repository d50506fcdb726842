import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { afterAll, beforeAll } from "vitest";

// The queue tests run a real Redis: a redis-server of their own per test file, on a free loopback
// port, saving nothing. A developer's machine without redis-server skips them with one line; a CI
// run (CI set) fails them, since .ci/run installs Debian's redis-server.

const binary = process.env.REDIS_SERVER || "redis-server";
const inCi = Boolean(process.env.CI) && process.env.CI !== "false";
const missing = `no ${binary} on PATH: apt-get install redis-server, or set REDIS_SERVER`;
const START_LIMIT_MS = 10_000;

function haveRedis(): boolean {
  return spawnSync(binary, ["--version"], { stdio: "ignore" }).status === 0;
}

export function skipRedisTests(): boolean {
  const skip = !inCi && !haveRedis();
  if (skip) process.stderr.write(`Redis tests skipped: ${missing} to run them\n`);
  return skip;
}

/** A port nothing listens on (just now). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

export interface TestRedis {
  /** redis://127.0.0.1:PORT, once beforeAll has run. */
  url: string;
}

/** Starts a redis-server before this file's tests and stops it after them. */
export function useRedis(): TestRedis {
  const redis: TestRedis = { url: "" };
  let server: ChildProcess | null = null;
  beforeAll(async () => {
    if (!haveRedis()) throw new Error(`CI runs the Redis tests, but there is ${missing}`);
    const port = await freePort();
    server = spawn(
      binary,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    await ready(server);
    redis.url = `redis://127.0.0.1:${port}`;
  }, START_LIMIT_MS + 1000);
  afterAll(async () => {
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((resolve) => server?.once("exit", resolve));
    server.kill("SIGTERM");
    await exited;
  });
  return redis;
}

/** Resolves when the server says it accepts connections; rejects if it exits or is silent too long. */
function ready(server: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    let settled = false;
    const timer = setTimeout(() => fail("did not start in time"), START_LIMIT_MS);
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      server.kill("SIGKILL");
      reject(new Error(`redis-server ${why}: ${output.trim().split("\n").slice(-3).join(" | ")}`));
    };
    server.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      if (!settled && output.includes("Ready to accept connections")) {
        settled = true;
        clearTimeout(timer);
        resolve();
      }
    });
    server.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
    });
    server.once("exit", (code) => fail(`exited with code ${code}`));
  });
}
