import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startUiServer, type UiServer } from "../cli/ui-server.js";
import { rnnlab } from "./helpers/cli.js";

// The `rnnlab ui` server serves its own files only (issue 14): every way out of its folders, encoded
// once or twice, through a symbolic link (a file or a folder), and every method but GET and HEAD is
// refused; it listens on 127.0.0.1 unless --host says otherwise. test/ui-cli.test.ts covers what it
// serves; this file tries each way in against a running server.

const INDEX = "<!doctype html><title>fake web lab</title>";
const SECRET = "SECRET outside the served folders";

interface Reply {
  status: number;
  body: string;
  allow?: string;
}

/** One request with the path sent exactly as written (fetch would normalise "/../x" first). */
function send(port: number, path: string, method = "GET", host = "127.0.0.1"): Promise<Reply> {
  return new Promise((done, fail) => {
    const req = request({ host, port, path, method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        done({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString(),
          allow: res.headers.allow,
        }),
      );
    });
    req.on("error", fail);
    req.end();
  });
}

describe("startUiServer refuses every way out of its folders and every method but GET and HEAD", () => {
  const scratch = mkdtempSync(join(tmpdir(), "rnnlab-ui-security-"));
  const root = join(scratch, "web");
  const data = join(scratch, "data");
  let server: UiServer;
  beforeAll(async () => {
    mkdirSync(join(root, "assets"), { recursive: true });
    mkdirSync(data);
    mkdirSync(join(scratch, "outside"));
    writeFileSync(join(root, "index.html"), INDEX);
    writeFileSync(join(root, "assets", "app.js"), "export {};\n");
    writeFileSync(join(root, ".env"), SECRET);
    writeFileSync(join(data, "text.txt"), "the data folder's text\n");
    writeFileSync(join(scratch, "secret.txt"), SECRET);
    writeFileSync(join(scratch, "outside", "secret.js"), SECRET);
    // Links out of the root: to a file, to a folder, and from the data folder.
    symlinkSync(join(scratch, "secret.txt"), join(root, "linked.txt"));
    symlinkSync(join(scratch, "outside"), join(root, "linked-folder"));
    symlinkSync(join(scratch, "secret.txt"), join(data, "linked.txt"));
    server = await startUiServer({ root, data, host: "127.0.0.1", port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("serves its own files (the base the refusals below are measured against)", async () => {
    expect(await send(server.port, "/")).toMatchObject({ status: 200, body: INDEX });
    expect((await send(server.port, "/assets/app.js")).status).toBe(200);
    expect((await send(server.port, "/data/text.txt")).body).toBe("the data folder's text\n");
  });

  const attempts = [
    // .. and its encodings: once, upper case, twice (%25 is "%"), mixed, with a backslash
    "/../secret.txt",
    "/assets/../../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E/%2E%2E/secret.txt",
    "/.%2e/secret.txt",
    "/%252e%252e/secret.txt",
    "/%252e%252e%252fsecret.txt",
    "/assets/%252e%252e%252f%252e%252e%252fsecret.txt",
    "/assets/..%2f..%2fsecret.txt",
    "/assets/..%252f..%252fsecret.txt",
    "/assets/..%5c..%5csecret.txt",
    "/assets/..\\..\\secret.txt",
    "/data/../secret.txt",
    "/data/%2e%2e/secret.txt",
    "/data/..%2fsecret.txt",
    // an absolute path or another root
    "//secret.txt",
    "/%2f" + "secret.txt",
    `/${encodeURIComponent(join(scratch, "secret.txt"))}`,
    "/C:%5csecret.txt",
    // overlong UTF-8 dots (an old IIS bug): invalid, so refused as malformed
    "/%c0%ae%c0%ae/secret.txt",
    // NUL and dot files
    "/assets/app.js%00.txt",
    "/.env",
    "/%2eenv",
    // links out of the root: a file, a file through a folder, and out of the data folder
    "/linked.txt",
    "/linked-folder/secret.js",
    "/data/linked.txt",
    // a request target that is not a path
    "http://127.0.0.1/../secret.txt",
    "*",
  ];

  it.each(attempts)("GET %s never serves a file outside (403/404/400, or the app's index)", async (path) => {
    const reply = await send(server.port, path);
    expect(reply.body).not.toContain(SECRET);
    // Nothing but an error, or index.html for what reads as a client-side route.
    if (reply.status === 200) expect(reply.body).toBe(INDEX);
    else expect([400, 403, 404]).toContain(reply.status);
  });

  it.each(["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "MKCOL"])(
    "%s is 405 with Allow: GET, HEAD, and no content",
    async (method) => {
      for (const path of ["/", "/assets/app.js", "/data/text.txt", "/../secret.txt"]) {
        const reply = await send(server.port, path, method);
        expect([method, path, reply.status, reply.allow]).toEqual([method, path, 405, "GET, HEAD"]);
        expect(reply.body).not.toContain(INDEX);
        expect(reply.body).not.toContain(SECRET);
      }
    },
  );

  it("HEAD of a path out of the root is refused as GET is", async () => {
    for (const path of ["/../secret.txt", "/%252e%252e%252fsecret.txt", "/linked.txt"]) {
      expect((await send(server.port, path, "HEAD")).status).toBe(404);
    }
  });
});

/** An IPv4 address of this machine other than loopback, if it has one. */
function externalAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((a) => a !== undefined && a.family === "IPv4" && !a.internal)?.address;
}

/** Whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      done(true);
    });
    socket.once("error", () => done(false));
  });
}

describe("rnnlab ui listens on 127.0.0.1 unless --host says otherwise", () => {
  const running = new Set<ChildProcess>();
  afterEach(() => {
    for (const child of running) child.kill("SIGKILL");
  });

  /** Starts `rnnlab ui --no-open --port 0 --json ARGS`; resolves with its port once it listens. */
  function serve(args: string[]): Promise<{ child: ChildProcess; port: number }> {
    const child = spawn(
      process.execPath,
      ["dist/cli/main.js", "ui", "--no-open", "--port", "0", "--json", ...args],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    running.add(child);
    child.on("exit", () => running.delete(child));
    return new Promise((done, fail) => {
      let out = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("\n")) done({ child, port: Number(new URL(JSON.parse(out).url).port) });
      });
      child.on("exit", (code) => fail(new Error(`rnnlab ui exited with ${code} before listening`)));
    });
  }

  it("--help gives --host's default, 127.0.0.1", () => {
    expect(rnnlab(["ui", "--help"]).stdout.replace(/\s+/g, " ")).toMatch(
      /--host <addr> .*\(default: "127\.0\.0\.1"\)/,
    );
  });

  const built = existsSync("dist/web/index.html");
  const external = externalAddress();
  it.skipIf(!built || external === undefined)(
    "by default it accepts on loopback only; --host 0.0.0.0 accepts on another address too",
    async () => {
      const local = await serve([]);
      expect(await accepts("127.0.0.1", local.port)).toBe(true);
      expect(await accepts(external as string, local.port)).toBe(false);
      const everywhere = await serve(["--host", "0.0.0.0"]);
      expect(await accepts(external as string, everywhere.port)).toBe(true);
      expect((await send(everywhere.port, "/../package.json", "GET", external)).status).toBe(404);
    },
  );
});
