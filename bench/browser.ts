// The Chromium rows of `npm run bench -- --browser`: headless Chromium (Debian's, through
// playwright-core) loads pages from a small server on 127.0.0.1 that sends every response
// cross-origin isolated, so SharedArrayBuffer and threads are there. Each implementation and
// configuration gets its own page, in its own browser context (so its own renderer process), whose
// module worker trains: rnnlab from the prebuilt dist/browser/rnnlab.js, TensorFlow.js's wasm
// backend bundled here from node_modules. run.ts drives a page as it drives a worker process, through
// a Channel: the same warm-up and windows, alternating with the Node rows.

import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Browser, BrowserContext, CDPSession, Page } from "playwright-core";
import { Channel } from "./channel.js";
import type { CellName, Command, DoneResult, ImplName, WindowResult } from "./common.js";

/** The implementations with Chromium rows. */
export const BROWSER_IMPLS: readonly ImplName[] = ["rnnlab", "tfjs-wasm"];

export interface BrowserBench {
  /** "Chromium 150.0.7871.100" */
  version: string;
  /** Why an implementation asked for cannot run in Chromium here (its bundle failed, ...). */
  unavailable: Map<ImplName, string>;
  /** A page training `impl`: answers the worker protocol (ready, then warmup / window / done). */
  open(
    impl: ImplName,
    config: { cell: CellName; hidden: number; threads: number; api: "minimize" | "fit" },
    label: string,
    verbose: boolean,
  ): Channel;
  close(): Promise<void>;
}

/** What every response carries: the page is then cross-origin isolated (SharedArrayBuffer). */
const ISOLATION = {
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-embedder-policy": "require-corp",
};

/** The page: its worker script, and no favicon request (a 404 in the console otherwise). */
const PAGE_HTML =
  '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">' +
  '<script type="module" src="/bench/page.js"></script>\n';

/** Starts the server and Chromium, or says in one line why the Chromium rows cannot run. */
export async function startBrowserBench(
  root: string,
  impls: readonly ImplName[],
  log: (message: string) => void,
): Promise<BrowserBench | { reason: string }> {
  const chromiumPath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
  if (!existsSync(chromiumPath)) {
    return { reason: `no Chromium at ${chromiumPath}: apt-get install chromium, or set CHROMIUM_PATH` };
  }
  let playwright: typeof import("playwright-core");
  try {
    playwright = await import("playwright-core");
  } catch {
    return { reason: "playwright-core is not installed (it is a devDependency: npm install)" };
  }
  const served = await pageFiles(root, impls, log);
  if ("reason" in served) return served;
  const { files, unavailable } = served;
  const server = createServer((request, response) => {
    const file = files.get(new URL(request.url ?? "/", "http://127.0.0.1").pathname);
    if (!file) response.writeHead(404, ISOLATION).end();
    else response.writeHead(200, { ...ISOLATION, "content-type": file.type }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const origin = typeof address === "object" && address ? `http://127.0.0.1:${address.port}` : "";
  let browser: Browser;
  try {
    // Chromium's sandbox refuses to start as root (containers, CI).
    const args = process.getuid?.() === 0 ? ["--no-sandbox"] : [];
    browser = await playwright.chromium.launch({ executablePath: chromiumPath, args });
  } catch (e) {
    server.close();
    return { reason: `${chromiumPath} does not start: ${(e as Error).message.split("\n")[0]}` };
  }
  const cdp = await browser.newBrowserCDPSession();
  return {
    version: `Chromium ${browser.version()}`,
    unavailable,
    open: (impl, config, label, verbose) => {
      const query = new URLSearchParams({
        impl,
        cell: config.cell,
        hidden: String(config.hidden),
        threads: String(config.threads),
        api: config.api,
      });
      return new PageChannel(label, verbose, browser, cdp, `${origin}/bench.html?${query}`);
    },
    close: async () => {
      await browser.close();
      await closeServer(server);
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

// ---- what the pages load ----

type Files = Map<string, { type: string; body: string | Buffer }>;

/** Every file a page loads, by URL path; an implementation whose files cannot be made is
 *  `unavailable`, with the reason. */
async function pageFiles(
  root: string,
  impls: readonly ImplName[],
  log: (message: string) => void,
): Promise<{ files: Files; unavailable: Map<ImplName, string> } | { reason: string }> {
  const unavailable = new Map<ImplName, string>();
  const files: Files = new Map();
  files.set("/bench.html", { type: "text/html", body: PAGE_HTML });
  const why = await addBundle(root, "page.ts", files);
  if (why) return { reason: why };
  if (impls.includes("rnnlab")) {
    const why = rnnlabFiles(root, files, log) ?? (await addBundle(root, "rnnlab-worker.ts", files));
    if (why) unavailable.set("rnnlab", why);
  }
  if (impls.includes("tfjs-wasm")) {
    const why = tfjsFiles(files) ?? (await addBundle(root, "tfjs-worker.ts", files));
    if (why) unavailable.set("tfjs-wasm", why);
  }
  return { files, unavailable };
}

/** The product's prebuilt modules, rebuilt first when a source under src/ is newer (so the
 *  Chromium rows measure the same working tree as the Node rows); a reason when that fails. */
function rnnlabFiles(root: string, files: Files, log: (message: string) => void): string | null {
  const dist = join(root, "dist", "browser");
  const names = ["rnnlab.js", "training-worker.js"];
  const stale = staleness(
    root,
    names.map((n) => join(dist, n)),
  );
  if (stale) {
    log(`chromium: ${stale}: rebuilding it with node tools/build-browser.mjs (as npm run build does)`);
    const built = spawnSync(process.execPath, [join(root, "tools", "build-browser.mjs")], {
      cwd: root,
      encoding: "utf8",
    });
    if (built.status !== 0) {
      const why = (built.stderr || built.stdout || `exit ${built.status}`).trim().split("\n")[0];
      return `node tools/build-browser.mjs failed: ${why}`;
    }
  }
  for (const name of names) {
    files.set(`/${name}`, { type: "text/javascript", body: readFileSync(join(dist, name)) });
  }
  return null;
}

/** Which of `built` is missing or older than a source under src/, in words, or null. */
function staleness(root: string, built: string[]): string | null {
  const missing = built.find((file) => !existsSync(file));
  if (missing) return `${missing} is missing`;
  const builtAt = Math.min(...built.map((file) => statSync(file).mtimeMs));
  const newer = readdirSync(join(root, "src"), { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts"))
    .find((name) => statSync(join(root, "src", name)).mtimeMs > builtAt);
  return newer ? `dist/browser is older than src/${newer}` : null;
}

/** tfjs-backend-wasm's three binaries under /tfjs/ (plain, SIMD, threaded SIMD). */
function tfjsFiles(files: Files): string | null {
  const require = createRequire(import.meta.url);
  let dist: string;
  try {
    require.resolve("@tensorflow/tfjs/package.json");
    dist = join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist");
  } catch {
    return "@tensorflow/tfjs or @tensorflow/tfjs-backend-wasm is not installed (devDependencies: npm install)";
  }
  for (const name of readdirSync(dist).filter((n) => n.endsWith(".wasm"))) {
    files.set(`/tfjs/${name}`, { type: "application/wasm", body: readFileSync(join(dist, name)) });
  }
  return null;
}

async function addBundle(root: string, entry: string, files: Files): Promise<string | null> {
  const code = await bundle(root, entry);
  if (typeof code !== "string") return `bench/browser/${entry} does not bundle: ${code.error}`;
  files.set(`/bench/${entry.replace(/\.ts$/, ".js")}`, { type: "text/javascript", body: code });
  return null;
}

/** bench/browser/`entry` as one ES module (esbuild), with rnnlab's entry points left as imports
 *  of /rnnlab.js, the prebuilt module the server sends. */
async function bundle(root: string, entry: string): Promise<string | { error: string }> {
  const { build } = await import("esbuild");
  try {
    const result = await build({
      entryPoints: [join(root, "bench", "browser", entry)],
      bundle: true,
      write: false,
      format: "esm",
      platform: "browser",
      target: "es2022",
      logLevel: "silent",
      plugins: [
        {
          name: "rnnlab-prebuilt",
          setup(b) {
            b.onResolve({ filter: /\/src\/(index|kernels\/index|worker\/index)\.js$/ }, () => ({
              path: "/rnnlab.js",
              external: true,
            }));
          },
        },
      ],
    });
    return result.outputFiles[0].text;
  } catch (e) {
    return { error: (e as Error).message.split("\n").slice(0, 3).join(" ") };
  }
}

// ---- one page ----

/** One implementation and configuration in its own browser context. CPU time and peak memory are
 *  its renderer process's, which runs the page, its worker and that worker's threads: CPU time from
 *  Chromium (SystemInfo.getProcessInfo) over each window, the peak (VmHWM) from /proc. */
class PageChannel extends Channel {
  private context: BrowserContext | null = null;
  private page: Page | null = null;
  private readonly opened: Promise<void>;
  private closing = false;
  private resolveExited: () => void = () => {};
  private readonly exitedPromise = new Promise<void>((resolve) => {
    this.resolveExited = resolve;
  });
  /** CPU seconds per renderer process over this page's warm-up and windows: the largest is its own. */
  private readonly cpuByPid = new Map<number, number>();

  constructor(
    label: string,
    verbose: boolean,
    private readonly browser: Browser,
    private readonly cdp: CDPSession,
    url: string,
  ) {
    super(label, verbose);
    this.opened = this.open(url).catch((e: Error) =>
      this.finish(`could not open its page: ${e.message.split("\n")[0]}`),
    );
  }

  private async open(url: string): Promise<void> {
    const context = await this.browser.newContext();
    this.context = context;
    const page = await context.newPage();
    page.on("console", (m) => this.note(`console.${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => this.note(`page error: ${e.message}`));
    page.on("crash", () => this.finish("crashed (its renderer process died: out of memory?)"));
    await page.exposeFunction("benchReply", (message: unknown) => this.deliver(message));
    await page.goto(url);
    this.page = page;
  }

  protected send(command: Command): void {
    const page = this.page;
    if (!page) return; // could not open: finish() has said why
    page
      .evaluate((c) => (globalThis as unknown as { benchCommand(c: unknown): void }).benchCommand(c), command)
      .catch((e: Error) => this.finish(`did not take ${command.cmd}: ${e.message.split("\n")[0]}`));
  }

  override async request(command: Command, timeoutMs: number): Promise<unknown> {
    await this.opened;
    if (command.cmd === "done") {
      const done: DoneResult = { maxRssKiB: this.peakKiB() };
      this.kill();
      return done;
    }
    const before = await this.cpuTimes();
    const reply = await super.request(command, timeoutMs);
    const after = await this.cpuTimes();
    let cpuSeconds = 0;
    for (const [pid, seconds] of after) {
      const used = seconds - (before.get(pid) ?? seconds);
      if (used <= 0) continue;
      cpuSeconds += used;
      this.cpuByPid.set(pid, (this.cpuByPid.get(pid) ?? 0) + used);
    }
    const window = reply as Partial<WindowResult>;
    if (typeof window.steps === "number") window.cpuSeconds = cpuSeconds;
    return reply;
  }

  /** CPU seconds so far of each renderer process: only the page in its window computes, so the
   *  sum of the differences over a window is that page's CPU time. */
  private async cpuTimes(): Promise<Map<number, number>> {
    const { processInfo } = (await this.cdp.send("SystemInfo.getProcessInfo")) as {
      processInfo: { type: string; id: number; cpuTime: number }[];
    };
    return new Map(processInfo.filter((p) => p.type === "renderer").map((p) => [p.id, p.cpuTime]));
  }

  /** VmHWM of the renderer process that did this page's work, or undefined where /proc cannot say. */
  private peakKiB(): number | undefined {
    const pid = [...this.cpuByPid].sort((a, b) => b[1] - a[1])[0]?.[0];
    if (pid === undefined) return undefined;
    try {
      const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      return match ? Number(match[1]) : undefined;
    } catch {
      return undefined;
    }
  }

  kill(): void {
    if (this.closing) return;
    this.closing = true;
    this.finish("closed");
    void this.opened
      .then(() => this.context?.close())
      .catch(() => {})
      .then(() => this.resolveExited());
  }

  get exited(): Promise<void> {
    return this.exitedPromise;
  }
}
