import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join } from "node:path";
import { transformSync } from "esbuild";

// A static server on 127.0.0.1 (a free port) for the browser tests: the prebuilt module from
// dist/browser/, the test pages, and steps.ts and file-steps.ts with their types stripped, plus the
// files a test names. It serves only these paths, read from the repository root (where vitest runs)
// or the named files, on each request.

const here = "test/browser";
const browserDist = "dist/browser";

const routes: Record<string, { type: string; body: () => string | Buffer }> = {
  "/page.html": { type: "text/html", body: () => readFileSync(join(here, "page.html")) },
  "/rnnlab.js": { type: "text/javascript", body: () => readFileSync(join(browserDist, "rnnlab.js")) },
  "/rnnlab.js.map": {
    type: "application/json",
    body: () => readFileSync(join(browserDist, "rnnlab.js.map")),
  },
  "/training-worker.js": {
    type: "text/javascript",
    body: () => readFileSync(join(browserDist, "training-worker.js")),
  },
  "/client.js": { type: "text/javascript", body: () => readFileSync(join(browserDist, "client.js")) },
  "/steps.js": { type: "text/javascript", body: () => typesStripped("steps.ts") },
  "/files.html": { type: "text/html", body: () => readFileSync(join(here, "files.html")) },
  "/worker.html": { type: "text/html", body: () => readFileSync(join(here, "worker.html")) },
  "/file-steps.js": { type: "text/javascript", body: () => typesStripped("file-steps.ts") },
};

const types: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".json": "application/json",
  ".map": "application/json",
  ".txt": "text/plain",
  ".wasm": "application/wasm",
};

/** A served file's type by its extension (a module script or worker must be text/javascript). */
function typeOf(file: string): string {
  return types[extname(file)] ?? "application/octet-stream";
}

function typesStripped(file: string): string {
  return transformSync(readFileSync(join(here, file), "utf8"), { loader: "ts", format: "esm" }).code;
}

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

/** What every response carries on a cross-origin isolated server: the page then has
 *  SharedArrayBuffer, so training can use threads. */
const isolationHeaders = {
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-embedder-policy": "require-corp",
};

/** Serves the fixed routes, and `files` (URL path → file path, e.g. a checkpoint in a temporary
 *  folder) as bytes; `isolated` sends the cross-origin isolation headers. */
export async function startServer(
  files: Record<string, string> = {},
  options: { isolated?: boolean } = {},
): Promise<TestServer> {
  const headers = options.isolated ? isolationHeaders : {};
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
    const file = files[path];
    const route =
      routes[path] ??
      (file === undefined ? undefined : { type: typeOf(file), body: () => readFileSync(file) });
    if (!route) {
      response.writeHead(404, headers).end();
      return;
    }
    response.writeHead(200, { ...headers, "content-type": `${route.type}; charset=utf-8` }).end(route.body());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the test server has no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** One line when dist/browser/rnnlab.js is missing or older than a source under src/, else null
 *  (test/helpers/check-build.ts checks tsc's output, not this bundle). */
export function staleBrowserModule(): string | null {
  const built = join(browserDist, "rnnlab.js");
  if (!existsSync(built)) return `${built} is missing: run npm run build`;
  const builtAt = statSync(built).mtimeMs;
  const newer = readdirSync("src", { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts"))
    .map((name) => join("src", name))
    .find((source) => statSync(source).mtimeMs > builtAt);
  return newer ? `${built} is older than ${newer}: run npm run build` : null;
}
