import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RunStore } from "../../dist/node/store/index.js";
import { readReportData } from "../../src/report/page.js";
import type { HeatmapSpec } from "../../src/report/spec.js";
import { rnnlab } from "../helpers/cli.js";

const scratch = mkdtempSync(join(tmpdir(), "rnnlab-sweep-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const text = join(scratch, "text.txt");
writeFileSync(text, readFileSync("data/tinyshakespeare.txt", "utf8").slice(0, 20_000));

/** A spec of tiny train trials (a second or two each) in the scratch folder. */
function spec(name: string, body: string): string {
  const file = join(scratch, `${name}.yaml`);
  const fixed = `train: { data: ${text}, hidden: 8, embedding: 4, seq-len: 8, batch: 4, steps: 20, val-batches: 2 }`;
  writeFileSync(file, `${fixed}\nartefacts: ${join(scratch, name)}\n${body}\n`);
  return file;
}

function sweep(file: string, store: string, ...extra: string[]) {
  return rnnlab(["sweep", file, "--store", store, "--parallel", "2", ...extra]);
}

function trialRuns(store: string) {
  const db = RunStore.open(store);
  try {
    const [sweepRow] = db.listSweeps();
    return { sweep: sweepRow, runs: sweepRow ? db.trialRuns(sweepRow.id) : [], db: null };
  } finally {
    db.close();
  }
}

describe("rnnlab sweep SPEC", () => {
  const store = join(scratch, "grid.sqlite");
  const file = spec("grid", "grid: { cell: [rnn, gru] }\nseeds: [1, 2]\nmetric: valLoss");

  it("runs every trial of the grid once, records each in the store and prints the best config", () => {
    const result = sweep(file, store, "--json");
    expect(result.stderr).not.toMatch(/Error|at .*\.js/);
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout.trim().split("\n").at(-1) as string);
    const { sweep: row, runs } = trialRuns(store);
    expect(row.status).toBe("finished");
    expect(summary.sweep).toBe(row.id);
    expect(runs).toHaveLength(4);
    expect(runs.every((r) => r.status === "finished" && r.kind === "trial")).toBe(true);
    expect(new Set(runs.map((r) => r.trialKey)).size).toBe(4);
    const losses = runs.map((r) => r.final?.valLoss as number);
    expect(summary.best[0].value).toBe(Math.min(...losses));
    // report.html maps the mean valLoss over the grid's cells: one cell per cell type, over both seeds.
    const map = readReportData(readFileSync(summary.report, "utf8")).figures["metric-map"] as HeatmapSpec;
    const meanOf = (cell: string) => {
      const values = runs.filter((r) => (r.config as { params: { cell: string } }).params.cell === cell);
      return values.reduce((sum, r) => sum + (r.final?.valLoss as number), 0) / values.length;
    };
    expect(map.cells.map((c) => c.x)).toEqual(["rnn", "gru"]);
    for (const c of map.cells) expect(c.value).toBeCloseTo(meanOf(String(c.x)), 12);
    expect(result.stderr).toMatch(/cell/);
  }, 120_000);

  it("--resume runs nothing again once every trial finished, and a rerun without it says how to continue", () => {
    const again = sweep(file, store);
    expect(again.status).toBe(2);
    expect(again.stderr.trim().split("\n")).toHaveLength(1);
    expect(again.stderr).toMatch(/--resume continues it, --restart runs it again/);
    const resumed = sweep(file, store, "--resume");
    expect(resumed.status).toBe(0);
    expect(trialRuns(store).runs).toHaveLength(4);
  }, 60_000);

  it("stops trials by successive halving: each rung keeps the better 1/eta", () => {
    const asha = spec(
      "asha",
      "grid: { lr: [0.01, 0.003, 0.0003, 0.0001] }\nmetric: valLoss\nasha: { min-steps: 5, eta: 2 }\nparallel: 1",
    );
    const db = join(scratch, "asha.sqlite");
    const result = rnnlab(["sweep", asha, "--store", db]);
    expect(result.status).toBe(0);
    const { runs } = trialRuns(db);
    expect(runs).toHaveLength(4);
    expect(runs.filter((r) => r.status === "stopped").length).toBeGreaterThan(0);
    expect(runs.filter((r) => r.status === "finished").length).toBeGreaterThan(0);
  }, 120_000);
});

describe("rnnlab sweep SPEC, interrupted", () => {
  it("SIGINT stops it with its trials marked; --resume reruns only the unfinished ones", async () => {
    const store = join(scratch, "interrupted.sqlite");
    const file = spec(
      "interrupted",
      "grid: { cell: [rnn, gru] }\nseeds: [1, 2]\nmetric: valLoss\nparallel: 1",
    );
    const child = spawn(process.execPath, ["dist/cli/main.js", "sweep", file, "--store", store], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    const finished = () =>
      existsSync(store) ? trialRuns(store).runs.filter((r) => r.status === "finished").length : 0;
    await expect.poll(finished, { timeout: 60_000 }).toBeGreaterThanOrEqual(1);
    child.kill("SIGINT");
    expect(await exited, stderr).toBe(130);
    expect(stderr.trim().split("\n").at(-1)).toMatch(/interrupted: rnnlab sweep .* --resume continues it$/);
    const before = trialRuns(store);
    expect(before.sweep.status).toBe("interrupted");
    const done = before.runs.filter((r) => r.status === "finished").map((r) => r.trialKey);
    expect(done.length).toBeLessThan(4);

    const resumed = sweep(file, store, "--resume");
    expect(resumed.status, resumed.stderr).toBe(0);
    const after = trialRuns(store);
    expect(after.sweep.status).toBe("finished");
    const finishedKeys = after.runs.filter((r) => r.status === "finished").map((r) => r.trialKey);
    expect(new Set(finishedKeys).size).toBe(4);
    expect(finishedKeys).toHaveLength(4); // the trials finished before were not run again
    for (const key of done) expect(finishedKeys).toContain(key);
  }, 120_000);
});

describe("two rnnlab sweep processes on one store at once", () => {
  it("both finish, each with all its trials recorded", async () => {
    const store = join(scratch, "shared.sqlite");
    const files = ["a", "b"].map((name) =>
      spec(
        `shared-${name}`,
        `name: shared-${name}\ngrid: { cell: [rnn, gru] }\nmetric: valLoss\nparallel: 1`,
      ),
    );
    const codes = await Promise.all(
      files.map((file) => {
        const child = spawn(process.execPath, ["dist/cli/main.js", "sweep", file, "--store", store], {
          stdio: "ignore",
        });
        return new Promise<number | null>((resolve) => child.once("exit", resolve));
      }),
    );
    expect(codes).toEqual([0, 0]);
    const db = RunStore.open(store);
    try {
      const sweeps = db.listSweeps();
      expect(sweeps.map((s) => s.name).sort()).toEqual(["shared-a", "shared-b"]);
      for (const s of sweeps) {
        expect(s.status).toBe("finished");
        expect(db.trialRuns(s.id).map((r) => r.status)).toEqual(["finished", "finished"]);
        for (const run of db.trialRuns(s.id)) expect(db.metrics(run.id).length).toBeGreaterThan(20);
      }
    } finally {
      db.close();
    }
  }, 120_000);
});

describe("rnnlab sweep: bad input gets one line and writes nothing", () => {
  const store = join(scratch, "bad.sqlite");
  const cases: [string, string, RegExp][] = [
    ["unknown option", "grid: { hiden: [8, 16] }\nmetric: valLoss", /hiden/],
    ["empty grid", "grid: { cell: [] }\nmetric: valLoss", /grid\.cell is empty/],
  ];
  for (const [what, body, message] of cases) {
    it(`refuses a spec with an ${what}`, () => {
      const result = sweep(spec(what.replace(/ /g, "-"), body), store);
      expect(result.status).toBe(2);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(message);
      expect(existsSync(store)).toBe(false);
    });
  }

  it("says which metrics the trials do report when the spec's metric is none of them", () => {
    const result = sweep(spec("no-metric", "seeds: [1]\nmetric: valLos"), store);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/valLos.*valLoss/);
  }, 60_000);

  it("an unreachable --queue is one line naming it, after a bounded retry, and the sweep can start again", () => {
    const unreachable = join(scratch, "unreachable.sqlite");
    const file = spec("unreachable", "seeds: [1]\nmetric: valLoss");
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = sweep(file, unreachable, "--queue", "redis://127.0.0.1:1");
      expect(result.status).toBe(2);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1 after \d+ tries/);
    }
    expect(trialRuns(unreachable).sweep.status).toBe("interrupted");
  }, 60_000);

  it("a missing spec file is one line", () => {
    const result = sweep(join(scratch, "nope.yaml"), store);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/cannot read the sweep spec .*nope\.yaml: ENOENT/);
  });
});
