import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, sep } from "node:path";
import { UserError } from "./errors.js";
import { apiAnswer } from "./ui-api.js";

// The static server behind `rnnlab ui`: the built web lab (dist/web) at /, and the package's data
// folder at /data/ (the app fetches the bundled tinyshakespeare from there), and the run store's
// read-only JSON API at /api/ (ui-api.ts), which serves no file. Nothing else is served.

export interface UiServerOptions {
  /** The built app: index.html and its assets (dist/web). */
  root: string;
  /** The package's data folder, served under /data/. */
  data: string;
  host: string;
  /** 0: any free port. */
  port: number;
  /** The run store read by /api/ (a missing file reads as an empty store); without one, /api/ answers 404. */
  store?: string;
}

export interface UiServer {
  /** The address a browser on this machine should open, e.g. http://127.0.0.1:8177/. */
  url: string;
  /** The port listened on (the one the system chose when asked for 0). */
  port: number;
  /** Stops listening and drops open connections (keep-alive ones included). */
  close(): Promise<void>;
}

/** Sent with every response. COOP + COEP make the page cross-origin isolated, so SharedArrayBuffer and
 *  training threads are available; CORP keeps these files from being embedded by other origins. */
const HEADERS: Record<string, string> = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
  "X-Content-Type-Options": "nosniff",
  // A local server: revalidating every file costs nothing and never shows a stale build.
  "Cache-Control": "no-cache",
};

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".wasm": "application/wasm",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
};

export function contentType(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? "application/octet-stream";
}

/** Listens on host:port; a port in use or a refused address is a UserError (one line, exit 1). */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const folders = {
    root: await realpath(options.root),
    data: await realpath(options.data),
    store: options.store,
  };
  const server = createServer((request, response) => {
    handle(request, response, folders).catch(() => {
      if (!response.headersSent) send(response, 500, "internal error");
      else response.destroy();
    });
  });
  await listen(server, options.host, options.port);
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${browserHost(options.host)}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => reject(listenError(error, host, port)));
    server.listen(port, host, () => resolve());
  });
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  if (error.code === "EADDRINUSE")
    return new UserError(`port ${port} is in use: pick another with --port`, 1);
  if (error.code === "EACCES")
    return new UserError(`port ${port} needs privileges to listen on: pick another with --port`, 1);
  return new UserError(`cannot listen on ${host}:${port} (${error.code ?? error.message}): check --host`, 1);
}

/** The host in the URL to open: an unspecified address (listening on every interface) is reached
 *  through loopback, which browsers also treat as a secure context (needed for cross-origin isolation). */
function browserHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::" || host === "[::]") return "localhost";
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

interface Folders {
  root: string;
  data: string;
  store: string | undefined;
}

async function handle(request: IncomingMessage, response: ServerResponse, folders: Folders): Promise<void> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.setHeader("Allow", "GET, HEAD");
    return send(response, 405, "method not allowed: only GET and HEAD");
  }
  const segments = urlSegments(request.url ?? "");
  if (segments === "malformed") return send(response, 400, "bad request: malformed URL");
  if (segments?.[0] === "api") return sendApi(request, response, segments.slice(1), folders.store);
  const file = segments === null ? null : await findFile(segments, folders);
  if (file === null) return send(response, 404, "not found");
  response.writeHead(200, {
    ...HEADERS,
    "Content-Type": contentType(file.path),
    "Content-Length": file.size,
  });
  if (request.method === "HEAD") return void response.end();
  const stream = createReadStream(file.path);
  stream.on("error", () => response.destroy());
  stream.pipe(response);
}

/** The API's JSON answer; never a file, whatever the path. */
function sendApi(
  request: IncomingMessage,
  response: ServerResponse,
  segments: string[],
  store: string | undefined,
): void {
  const query = new URL(request.url ?? "", "http://localhost").searchParams;
  const answer =
    store === undefined
      ? { status: 404, body: { error: "this server reads no run store" } }
      : apiAnswer(segments, query, store);
  const json = JSON.stringify(answer.body);
  response.writeHead(answer.status, {
    ...HEADERS,
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(json),
  });
  response.end(request.method === "HEAD" ? undefined : json);
}

function send(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, {
    ...HEADERS,
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
  });
  response.end(text);
}

/** The URL path's segments, each percent-decoded: null for a path that could name something outside
 *  the served folders or a hidden file ("..", ".", a dot file, an encoded "/" or "\", NUL, a drive
 *  "C:", an empty segment as in "//etc"), "malformed" for bad percent-encoding. The path is split
 *  before decoding, so "%2f" cannot make a new segment; a trailing "/" is dropped. */
export function urlSegments(url: string): string[] | null | "malformed" {
  const path = url.split(/[?#]/, 1)[0] ?? "";
  if (!path.startsWith("/")) return null;
  const raw = path.slice(1).split("/");
  if (raw.length > 1 && raw.at(-1) === "") raw.pop();
  if (raw.length === 1 && raw[0] === "") return [];
  const segments: string[] = [];
  for (const part of raw) {
    let segment: string;
    try {
      segment = decodeURIComponent(part);
    } catch {
      return "malformed";
    }
    if (segment === "" || segment.startsWith(".") || /[/\\\0:]/.test(segment)) return null;
    segments.push(segment);
  }
  return segments;
}

interface Found {
  path: string;
  size: number;
}

/** /data/NAME is a file of the data folder; anything else is under the app's root, where a missing
 *  path without an extension (a client-side route such as /network) is the app's index.html. */
async function findFile(segments: string[], folders: Folders): Promise<Found | null> {
  if (segments[0] === "data" && segments.length === 2) return fileInside(folders.data, segments.slice(1));
  const found = segments.length === 0 ? null : await fileInside(folders.root, segments);
  if (found !== null) return found;
  const last = segments.at(-1) ?? "";
  return extname(last) === "" ? fileInside(folders.root, ["index.html"]) : null;
}

/** The regular file at folder/segments, or null when there is none or when it resolves (through a
 *  symbolic link) to a path outside the folder. `folder` is already a real path. */
async function fileInside(folder: string, segments: string[]): Promise<Found | null> {
  try {
    const path = await realpath(join(folder, ...segments));
    if (!path.startsWith(folder + sep)) return null;
    const info = await stat(path);
    return info.isFile() ? { path, size: info.size } : null;
  } catch {
    return null;
  }
}
