import { type ChildProcess, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parsePort } from "../cli/commands/ui.js";
import { startUiServer, type UiServer, urlSegments } from "../cli/ui-server.js";
import { rnnlab } from "./helpers/cli.js";

// `rnnlab ui`: the static server (startUiServer) on a fake build in a temporary folder, then the built
// command itself, which serves the real dist/web and so needs the web lab built (npm run build).

const ISOLATION = {
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-embedder-policy": "require-corp",
  "cross-origin-resource-policy": "same-origin",
  "x-content-type-options": "nosniff",
};

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with the path sent exactly as written: fetch would normalise "/../x" to "/x" first. */
function send(url: string, path: string, method = "GET"): Promise<Reply> {
  const { hostname, port } = new URL(url);
  return new Promise((done, fail) => {
    const req = request({ hostname, port, path, method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.on("error", fail);
    req.end();
  });
}

const INDEX = "<!doctype html><title>fake web lab</title>";
const SECRET = "SECRET next to the build";
const traversals = [
  "/../secret.txt",
  "/%2e%2e/secret.txt",
  "/%2E%2E/secret.txt",
  "/assets/..%2f..%2fsecret.txt",
  "/assets/..%5c..%5csecret.txt",
  "/assets/../../secret.txt",
  "/data/../secret.txt",
  "/data/..%2fsecret.txt",
  "//secret.txt",
  "/%2fsecret.txt",
  "/outside.txt",
  "/assets/app.js%00.html",
];

describe("startUiServer({root, data, host, port}) on a fake build", () => {
  const scratch = mkdtempSync(join(tmpdir(), "rnnlab-ui-"));
  const root = join(scratch, "web");
  let server: UiServer;
  beforeAll(async () => {
    mkdirSync(join(root, "assets"), { recursive: true });
    writeFileSync(join(root, "index.html"), INDEX);
    writeFileSync(join(root, "assets", "app-1a2b.js"), "export const app = 1;\n");
    writeFileSync(join(root, "assets", "style.css"), "body{}\n");
    writeFileSync(join(root, "assets", "kernels.wasm"), new Uint8Array([0, 97, 115, 109]));
    writeFileSync(join(scratch, "secret.txt"), SECRET);
    symlinkSync(join(scratch, "secret.txt"), join(root, "outside.txt"));
    server = await startUiServer({ root, data: resolve("data"), host: "127.0.0.1", port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("GET / returns index.html, not cached, with the four isolation headers", async () => {
    const r = await send(server.url, "/");
    expect(r.status).toBe(200);
    expect(r.body).toBe(INDEX);
    expect(r.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(r.headers["cache-control"]).toBe("no-cache");
    expect(r.headers).toMatchObject(ISOLATION);
  });

  it("GET /assets/*.js, *.css, *.wasm: their files with javascript, css and wasm content types", async () => {
    const js = await send(server.url, "/assets/app-1a2b.js");
    expect(js.status).toBe(200);
    expect(js.body).toBe("export const app = 1;\n");
    expect(js.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(js.headers).toMatchObject(ISOLATION);
    expect((await send(server.url, "/assets/style.css?v=2")).headers["content-type"]).toMatch(/^text\/css/);
    const wasm = await send(server.url, "/assets/kernels.wasm");
    expect([wasm.headers["content-type"], wasm.headers["content-length"]]).toEqual(["application/wasm", "4"]);
  });

  it("GET /data/tinyshakespeare.txt returns the bundled text as plain text", async () => {
    const r = await send(server.url, "/data/tinyshakespeare.txt");
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(r.body).toBe(readFileSync("data/tinyshakespeare.txt", "utf8"));
  });

  it("HEAD / sends the headers and length of index.html without a body", async () => {
    const r = await send(server.url, "/", "HEAD");
    expect([r.status, r.body, r.headers["content-length"]]).toEqual([200, "", String(INDEX.length)]);
    expect(r.headers).toMatchObject(ISOLATION);
  });

  it("GET of a client-side route without an extension (/network, /lab/q5/) returns index.html", async () => {
    for (const path of ["/network", "/lab/q5/", "/assets"]) {
      const r = await send(server.url, path);
      expect([path, r.status, r.body]).toEqual([path, 200, INDEX]);
    }
  });

  it("GET of a missing file with an extension is 404, with the isolation headers", async () => {
    const r = await send(server.url, "/assets/missing.js");
    expect(r.status).toBe(404);
    expect(r.headers).toMatchObject(ISOLATION);
  });

  it("traversal (.., %2e%2e, %2f, %5c, //, a symlink out, %00) is 404 and never the file outside", async () => {
    for (const path of traversals) {
      const r = await send(server.url, path);
      expect([path, r.status]).toEqual([path, 404]);
      expect(r.body).not.toContain(SECRET);
    }
  });

  it("GET of bad percent-encoding (/%E0%A4%A) is 400", async () => {
    expect((await send(server.url, "/%E0%A4%A")).status).toBe(400);
  });

  it("POST, PUT and DELETE are 405 with Allow: GET, HEAD", async () => {
    for (const method of ["POST", "PUT", "DELETE"]) {
      const r = await send(server.url, "/", method);
      expect([method, r.status, r.headers.allow]).toEqual([method, 405, "GET, HEAD"]);
      expect(r.body).not.toContain(INDEX);
    }
  });

  it("startUiServer on a port in use rejects with one line naming the port and --port", async () => {
    const start = startUiServer({ root, data: resolve("data"), host: "127.0.0.1", port: server.port });
    await expect(start).rejects.toThrow(`port ${server.port} is in use: pick another with --port`);
  });
});

describe("urlSegments(url) and parsePort(value)", () => {
  it("urlSegments splits before decoding and refuses .., dot files, encoded separators and NUL", () => {
    expect(urlSegments("/")).toEqual([]);
    expect(urlSegments("/assets/a%20b.js?x=1#y")).toEqual(["assets", "a b.js"]);
    expect(urlSegments("/lab/")).toEqual(["lab"]);
    for (const url of ["/..", "/a/%2e%2e/b", "/a%2fb", "/a%5cb", "/a%00", "/.env", "//etc", "/C:", "x"])
      expect([url, urlSegments(url)]).toEqual([url, null]);
    expect(urlSegments("/%zz")).toBe("malformed");
  });

  it("parsePort accepts 0..65535 in decimal and refuses the rest in one line", () => {
    expect([parsePort("0"), parsePort("8177"), parsePort("65535")]).toEqual([0, 8177, 65535]);
    for (const value of ["65536", "-1", "abc", "", "0x50", "1e3", "80.5"])
      expect(() => parsePort(value)).toThrow(`--port must be an integer from 0 to 65535, got '${value}'`);
  });
});

describe("rnnlab ui, the built command", () => {
  // A test that fails before stop() must not leave its server running.
  afterEach(() => {
    for (const child of running) child.kill("SIGKILL");
  });

  it("rnnlab ui --port 70000 and --port abc: one line each, exit 2", () => {
    for (const port of ["70000", "abc"]) {
      const r = rnnlab(["ui", "--no-open", "--port", port]);
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`rnnlab: --port must be an integer from 0 to 65535, got '${port}'\n`);
    }
  });

  const built = existsSync("dist/web/index.html");
  if (!built)
    console.warn("skipping the tests that serve dist/web: the web lab is not built (npm run build)");

  it.skipIf(!built)(
    "rnnlab ui --no-open --port 0 --json serves dist/web with the headers; SIGTERM ends it with 0",
    async () => {
      const { child, line } = await serve(["--port", "0", "--json"]);
      const { url } = JSON.parse(line) as { url: string };
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const index = await fetch(url);
      expect(index.status).toBe(200);
      const html = await index.text();
      expect(html).toBe(readFileSync("dist/web/index.html", "utf8"));
      for (const [name, value] of Object.entries(ISOLATION)) expect(index.headers.get(name)).toBe(value);
      const script = html.match(/src="\/?([^"]+\.js)"/)?.[1];
      expect(script, "index.html loads a script").toBeDefined();
      expect((await fetch(new URL(script as string, url))).headers.get("content-type")).toMatch(
        /^text\/javascript/,
      );
      const text = await fetch(new URL("data/tinyshakespeare.txt", url));
      expect(await text.text()).toBe(readFileSync("data/tinyshakespeare.txt", "utf8"));
      for (const path of ["/../package.json", "/%2e%2e/package.json", "/assets/..%2f..%2fpackage.json"]) {
        const r = await send(url, path);
        expect([path, r.status]).toEqual([path, 404]);
        expect(r.body).not.toContain('"name": "rnnlab"');
      }
      expect((await fetch(url, { method: "POST" })).status).toBe(405);
      expect(await (await fetch(new URL("playground/settings", url))).text()).toBe(html);
      expect(await stop(child)).toBe(0);
    },
  );

  it.skipIf(!built)("rnnlab ui --port N with N in use: one line, exit 1", async () => {
    const first = await serve(["--port", "0", "--json"]);
    const { port } = new URL((JSON.parse(first.line) as { url: string }).url);
    const r = rnnlab(["ui", "--no-open", "--port", port]);
    await stop(first.child);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`rnnlab: port ${port} is in use: pick another with --port\n`);
  });

  it.skipIf(!built)("rnnlab ui prints one human line with the URL", async () => {
    const { child, line } = await serve(["--port", "0"]);
    await stop(child);
    expect(line).toMatch(
      /^rnnlab ui: serving the web lab at http:\/\/127\.0\.0\.1:\d+\/ \(Ctrl-C to stop\)$/,
    );
  });
});

/** The servers started by serve() that have not exited yet. */
const running = new Set<ChildProcess>();

/** Starts `rnnlab ui --no-open ARGS` and resolves with its first stdout line, once it is listening. */
function serve(args: string[]): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, ["dist/cli/main.js", "ui", "--no-open", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  child.on("exit", () => running.delete(child));
  return new Promise((done, fail) => {
    let out = "";
    let err = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const end = out.indexOf("\n");
      if (end >= 0) done({ child, line: out.slice(0, end) });
    });
    child.on("exit", (code) => fail(new Error(`rnnlab ui exited with ${code} before listening: ${err}`)));
  });
}

/** SIGTERM, then the exit code. */
function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((done) => {
    child.on("exit", (code) => done(code));
    child.kill("SIGTERM");
  });
}
