import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStore } from "../node/store/index.js";
import type { MetricRecord, RunRow, SweepRow } from "../node/store/types.js";
import { byType } from "../cli/ui-api.js";
import { startUiServer, type UiServer } from "../cli/ui-server.js";

// `rnnlab ui`'s read-only JSON API under /api/ (cli/ui-api.ts), on a store written through RunStore
// in a temporary folder: the runs with their filters, one run with its metrics by type, the sweeps;
// a missing store reads as empty; bad parameters are 400 with one line; /api/ never serves a file.

const SECRET = "a file under root/api/ that the API must not serve";

const train = (step: number, loss: number): MetricRecord => ({ step, type: "train", values: { loss } });
const val = (step: number, valLoss: number): MetricRecord => ({ step, type: "val", values: { valLoss } });

/** Two finished train runs, a sweep with one stopped trial, and a failed lab run. */
function fillStore(path: string): void {
  const store = RunStore.open(path);
  try {
    const a = store.startRun({ kind: "train", name: "runs/a", config: { hidden: 8, lr: 0.01 } });
    store.appendMetrics(a, [train(1, 3.2), train(2, 2.9), val(2, 3.0)]);
    store.finishRun(a, { status: "finished", final: { valLoss: 3.0 } });
    const b = store.startRun({ kind: "train", name: "runs/b", config: { hidden: 16, lr: 0.01 } });
    store.appendMetrics(b, [train(1, 3.1), train(2, 2.5), val(2, 2.7)]);
    store.finishRun(b, { status: "finished", final: { valLoss: 2.7 } });
    store.upsertSweep({
      id: "sw1",
      name: "lr-grid",
      spec: { grid: { lr: [0.1] } },
      metric: "valLoss",
      goal: "min",
    });
    const t = store.startRun({
      kind: "trial",
      name: "lr=0.1",
      config: { lr: 0.1 },
      sweepId: "sw1",
      trialKey: "k1",
    });
    store.finishRun(t, { status: "stopped" });
    const l = store.startRun({ kind: "lab", name: "q1", config: {} });
    store.finishRun(l, { status: "failed", error: "boom" });
  } finally {
    store.close();
  }
}

async function get(
  server: UiServer,
  path: string,
): Promise<{ status: number; type: string | null; body: unknown }> {
  const response = await fetch(new URL(path, server.url));
  return { status: response.status, type: response.headers.get("content-type"), body: await response.json() };
}

const names = (body: unknown) => (body as RunRow[]).map((run) => run.name);

describe("startUiServer({store}): GET /api/runs, /api/runs/:id, /api/sweeps", () => {
  const scratch = mkdtempSync(join(tmpdir(), "rnnlab-ui-runs-"));
  const root = join(scratch, "web");
  const store = join(scratch, "runs", "store.sqlite");
  let server: UiServer;
  let empty: UiServer;
  beforeAll(async () => {
    mkdirSync(join(root, "api"), { recursive: true });
    writeFileSync(join(root, "index.html"), "<!doctype html><title>fake web lab</title>");
    writeFileSync(join(root, "api", "runs.json"), SECRET);
    fillStore(store);
    server = await startUiServer({ root, data: resolve("data"), host: "127.0.0.1", port: 0, store });
    const missing = join(scratch, "nowhere", "store.sqlite");
    empty = await startUiServer({ root, data: resolve("data"), host: "127.0.0.1", port: 0, store: missing });
  });
  afterAll(async () => {
    await server?.close();
    await empty?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("GET /api/runs lists every run newest first, as JSON, without metrics", async () => {
    const r = await get(server, "/api/runs");
    expect([r.status, r.type]).toEqual([200, "application/json; charset=utf-8"]);
    expect(names(r.body)).toEqual(["q1", "lr=0.1", "runs/b", "runs/a"]);
    const [lab] = r.body as RunRow[];
    expect([lab.status, lab.error, "metrics" in lab]).toEqual(["failed", "boom", false]);
  });

  it("GET /api/runs?kind=&status=&sweep=&limit= filters; an empty parameter filters nothing", async () => {
    expect(names((await get(server, "/api/runs?kind=train")).body)).toEqual(["runs/b", "runs/a"]);
    expect(names((await get(server, "/api/runs?status=stopped")).body)).toEqual(["lr=0.1"]);
    expect(names((await get(server, "/api/runs?sweep=sw1")).body)).toEqual(["lr=0.1"]);
    expect(names((await get(server, "/api/runs?kind=train&limit=1")).body)).toEqual(["runs/b"]);
    expect(names((await get(server, "/api/runs?kind=&status=&sweep=")).body)).toHaveLength(4);
  });

  it("GET /api/runs/:id gives the run with its metric records grouped by type", async () => {
    const [, , b] = (await get(server, "/api/runs")).body as RunRow[];
    const r = await get(server, `/api/runs/${b.id}`);
    expect(r.status).toBe(200);
    const run = r.body as RunRow & { metrics: Record<string, MetricRecord[]> };
    expect([run.name, run.config, run.final]).toEqual(["runs/b", { hidden: 16, lr: 0.01 }, { valLoss: 2.7 }]);
    expect(run.metrics).toEqual({ train: [train(1, 3.1), train(2, 2.5)], val: [val(2, 2.7)] });
  });

  it("GET /api/sweeps lists the sweeps", async () => {
    const r = await get(server, "/api/sweeps");
    const sweeps = r.body as SweepRow[];
    expect(sweeps.map((s) => [s.id, s.name, s.metric, s.goal, s.status])).toEqual([
      ["sw1", "lr-grid", "valLoss", "min", "running"],
    ]);
  });

  it("a missing store file: [] for /api/runs and /api/sweeps, 404 for a run, and no file created", async () => {
    expect((await get(empty, "/api/runs?kind=train")).body).toEqual([]);
    expect((await get(empty, "/api/sweeps")).body).toEqual([]);
    const r = await get(empty, "/api/runs/1");
    expect(r.status).toBe(404);
    expect(r.body).toEqual({
      error: expect.stringMatching(/^no run 1 in the run store .*nowhere.*store\.sqlite$/),
    });
    expect(existsSync(join(scratch, "nowhere"))).toBe(false);
  });

  it("GET /api/runs/999 (no such run) is 404 with a JSON error", async () => {
    const r = await get(server, "/api/runs/999");
    expect([r.status, r.body]).toEqual([404, { error: `no run 999 in the run store ${store}` }]);
  });

  it("bad parameters and ids are 400 with one line; an unknown API path is 404", async () => {
    const cases: [string, number, string][] = [
      ["/api/runs?kind=sweep", 400, "kind must be one of train, lab, trial, got 'sweep'"],
      [
        "/api/runs?status=done",
        400,
        "status must be one of running, finished, failed, killed, stopped, got 'done'",
      ],
      ["/api/runs?limit=0", 400, "limit must be a positive integer, got '0'"],
      ["/api/runs?limit=-3", 400, "limit must be a positive integer, got '-3'"],
      ["/api/runs/abc", 400, "a run id is a positive integer, got 'abc'"],
      [
        "/api/runs/1/metrics",
        404,
        "no such API: /api/runs/1/metrics (there are /api/runs, /api/runs/ID, /api/sweeps)",
      ],
      [
        "/api/sweeps/sw1",
        404,
        "no such API: /api/sweeps/sw1 (there are /api/runs, /api/runs/ID, /api/sweeps)",
      ],
    ];
    for (const [path, status, error] of cases) {
      const r = await get(server, path);
      expect([path, r.status, r.body]).toEqual([path, status, { error }]);
    }
  });

  it("/api/ never serves a file: root/api/runs.json is a 404 JSON error, not the file", async () => {
    const response = await fetch(new URL("/api/runs.json", server.url));
    const text = await response.text();
    expect(response.status).toBe(404);
    expect(text).not.toContain(SECRET);
    expect(JSON.parse(text)).toEqual({ error: expect.stringContaining("no such API: /api/runs.json") });
  });

  it("the API sends the isolation headers, and HEAD sends no body", async () => {
    const response = await fetch(new URL("/api/runs", server.url), { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(response.headers.get("cross-origin-embedder-policy")).toBe("require-corp");
    expect(await response.text()).toBe("");
  });

  it("POST /api/runs is 405: the API is read-only", async () => {
    expect((await fetch(new URL("/api/runs", server.url), { method: "POST" })).status).toBe(405);
  });
});

describe("byType(records)", () => {
  it("groups records by type, keeping their order within each", () => {
    const records = [train(1, 3), val(1, 2), train(2, 1)];
    expect(byType(records)).toEqual({ train: [train(1, 3), train(2, 1)], val: [val(1, 2)] });
  });
});

describe("rnnlab ui --store PATH, the built command", () => {
  const built = existsSync("dist/web/index.html");
  const scratch = mkdtempSync(join(tmpdir(), "rnnlab-ui-store-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it.skipIf(!built)(
    "serves that store's runs; without --store it reads runs/store.sqlite of its folder",
    async () => {
      const store = join(scratch, "elsewhere.sqlite");
      fillStore(store);
      mkdirSync(join(scratch, "runs"));
      const given = await serveUi(["--store", store], scratch);
      // Without --store and without $RNNLAB_STORE (which the tests set): runs/store.sqlite here.
      const fallback = await serveUi([], scratch, { ...process.env, RNNLAB_STORE: "" });
      try {
        expect(names(await (await fetch(new URL("api/runs?kind=train", given.url))).json())).toEqual([
          "runs/b",
          "runs/a",
        ]);
        // runs/store.sqlite under the working folder does not exist: an empty list, and it stays absent.
        expect(await (await fetch(new URL("api/runs", fallback.url))).json()).toEqual([]);
        expect(existsSync(join(scratch, "runs", "store.sqlite"))).toBe(false);
      } finally {
        given.child.kill("SIGTERM");
        fallback.child.kill("SIGTERM");
      }
    },
  );
});

/** `rnnlab ui --no-open --port 0 --json ARGS` started in `cwd`, once it is listening. */
function serveUi(
  args: string[],
  cwd: string,
  env = process.env,
): Promise<{ child: ChildProcess; url: string }> {
  const main = resolve("dist/cli/main.js");
  const child = spawn(process.execPath, [main, "ui", "--no-open", "--port", "0", "--json", ...args], {
    cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((done, fail) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const end = out.indexOf("\n");
      if (end >= 0) done({ child, url: (JSON.parse(out.slice(0, end)) as { url: string }).url });
    });
    child.on("exit", (code) => fail(new Error(`rnnlab ui exited with ${code} before listening`)));
  });
}
