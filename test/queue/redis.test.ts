import { describe, expect, it } from "vitest";
import { UserError } from "../../cli/errors.js";
import { connectRedis, parseRedisUrl } from "../../cli/sweep/redis.js";
import { rnnlab } from "../helpers/cli.js";
import { freePort, skipRedisTests, useRedis } from "../helpers/redis.js";

describe("parseRedisUrl", () => {
  it("parseRedisUrl('redis://10.0.0.2:6380') gives the host and port", () => {
    expect(parseRedisUrl("redis://10.0.0.2:6380")).toEqual({ host: "10.0.0.2", port: 6380 });
  });

  it("parseRedisUrl('redis://:secret@queue-host') defaults the port and keeps the password", () => {
    expect(parseRedisUrl("redis://:secret@queue-host")).toEqual({
      host: "queue-host",
      port: 6379,
      password: "secret",
    });
  });

  it.each([
    ["http://127.0.0.1:6379", "has the scheme http"],
    ["127.0.0.1:6379", "is not a URL"],
    ["not a url", "is not a URL"],
    ["redis://127.0.0.1:6379/jobs", "has a path or query"],
  ])("parseRedisUrl(%j) refuses it in one line (%s)", (url, why) => {
    expect(() => parseRedisUrl(url)).toThrow(UserError);
    expect(() => parseRedisUrl(url)).toThrow(new RegExp(`${why}: give redis://HOST:PORT`));
  });
});

describe.skipIf(skipRedisTests())("connectRedis", () => {
  const redis = useRedis();

  it("connectRedis(a running server) answers PING", async () => {
    const client = await connectRedis(redis.url);
    try {
      expect(await client.ping()).toBe("PONG");
    } finally {
      client.disconnect();
    }
  });

  it("connectRedis(a closed port) gives up after 5 tries with one line naming the URL", async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const failure = await connectRedis(url).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(UserError);
    expect((failure as Error).message).toBe(
      `cannot reach Redis at ${url} after 5 tries (ECONNREFUSED): start redis-server or fix --queue`,
    );
  });

  it("rnnlab worker --queue <closed port> exits 2 with that one line", async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const result = rnnlab(["worker", "--queue", url]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `rnnlab: cannot reach Redis at ${url} after 5 tries (ECONNREFUSED): start redis-server or fix --queue\n`,
    );
  });

  it("rnnlab worker --queue ftp://x exits 2 with one line", () => {
    const result = rnnlab(["worker", "--queue", "ftp://x"]);
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("has the scheme ftp");
  });
});
