import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { UserError } from "../errors.js";
import { DEFAULT_STORE } from "../store-record.js";
import { startUiServer, type UiServer } from "../ui-server.js";

/** The package's root: this file is dist/cli/commands/ui.js once built. */
const packageRoot = fileURLToPath(new URL("../../../", import.meta.url));
/** Where `npm run build` puts the web lab, and the bundled texts the app fetches. */
export const webRoot = join(packageRoot, "dist", "web");
export const dataRoot = join(packageRoot, "data");

const DEFAULT_PORT = 8177;

interface UiOptions {
  port: string;
  host: string;
  open: boolean;
  json?: boolean;
  store: string;
}

export function register(program: Command): void {
  program
    .command("ui")
    .description("serve the web lab (playground, network view, lab, model, runs) on this machine and open it")
    .option("--port <n>", "port to listen on (0: any free port)", String(DEFAULT_PORT))
    .option("--host <addr>", "address to listen on", "127.0.0.1")
    .option("--no-open", "do not open the page in the system browser")
    .option("--json", 'print one JSON line {"url": ...} once listening')
    .option(
      "--store <path>",
      "the run store the Runs view reads ($RNNLAB_STORE or runs/store.sqlite)",
      DEFAULT_STORE,
    )
    .action(async (options: UiOptions) => {
      const port = parsePort(options.port);
      if (options.host.trim() === "") throw new UserError("--host must not be empty");
      if (!existsSync(join(webRoot, "index.html")))
        throw new UserError("the web lab is not built: run npm run build", 1);
      if (options.store.trim() === "") throw new UserError("--store must not be empty");
      const store = resolve(options.store);
      const server = await startUiServer({ root: webRoot, data: dataRoot, host: options.host, port, store });
      process.stdout.write(
        options.json
          ? `${JSON.stringify({ url: server.url })}\n`
          : `rnnlab ui: serving the web lab at ${server.url} (Ctrl-C to stop)\n`,
      );
      if (options.open) openInBrowser(server.url);
      await closeOnSignal(server);
    });
}

/** An integer 0..65535 written in decimal digits ("", "0x50", "1e3" and "80.5" are refused). */
export function parsePort(value: string): number {
  const port = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(port <= 65535)) throw new UserError(`--port must be an integer from 0 to 65535, got '${value}'`);
  return port;
}

/** Resolves once SIGINT or SIGTERM has closed the server; the command then ends with exit code 0. A
 *  second signal while closing gets Node's default handling and ends the process at once. */
function closeOnSignal(server: UiServer): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      server.close().then(resolve, resolve);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/** Opens `url` in the system browser, detached so that it outlives nothing here. Opening is a
 *  convenience: a missing opener (no xdg-open on a server) only says so; the URL is printed already. */
function openInBrowser(url: string): void {
  const [command, args] = opener(url);
  const failed = () =>
    process.stderr.write(`rnnlab ui: could not open a browser (${command}): open ${url} yourself\n`);
  try {
    const child = spawn(command, args, { detached: true, stdio: "ignore", windowsVerbatimArguments: true });
    child.on("error", failed);
    child.unref();
  } catch {
    failed();
  }
}

function opener(url: string): [string, string[]] {
  if (process.platform === "darwin") return ["open", [url]];
  // start's first quoted argument is the window title; the URL holds no characters cmd treats specially.
  if (process.platform === "win32") return ["cmd", ["/c", "start", '""', url]];
  return ["xdg-open", [url]];
}
