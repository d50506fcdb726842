import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { RunRow } from "../../node/store/types.js";
import { readReportData } from "../../src/report/page.js";
import type { LineSpec } from "../../src/report/spec.js";
import { rnnlab } from "../helpers/cli.js";
import { makeStore } from "./store-fixture.js";

// `rnnlab runs` end to end, through the built command, on a store written by RunStore (store-fixture.ts).

const { dir, path } = makeStore();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runs(...args: string[]) {
  return rnnlab(["runs", ...args, "--store", path]);
}

function json<T>(...args: string[]): T {
  const result = runs(...args, "--json");
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout) as T;
}

/** A one-line refusal: exit 2, one line on stderr, nothing on stdout. */
function expectRefusal(result: ReturnType<typeof rnnlab>, pattern: RegExp): void {
  expect(result.status).toBe(2);
  expect(result.stdout).toBe("");
  expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(result.stderr.trimEnd()).toMatch(pattern);
}

describe("rnnlab runs list", () => {
  it("runs list shows the runs newest first, the dead one killed, with their final valLoss", () => {
    const result = runs("list");
    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines.slice(2).map((l) => l.trim().split(/\s+/).slice(0, 3))).toEqual([
      ["3", "lab", "killed"],
      ["2", "trial", "finished"],
      ["1", "train", "finished"],
    ]);
    expect(lines[3]).toMatch(/lr=0\.003\s+s1 .*valLoss 2\.25$/);
    expect(lines[4]).toMatch(/out\/a, first .*valLoss 2\.5$/);
  });

  it("runs list --json gives RunRows, filtered by --status and --limit", () => {
    const all = json<RunRow[]>("list");
    expect(all.map((r) => [r.id, r.status])).toEqual([
      [3, "killed"],
      [2, "finished"],
      [1, "finished"],
    ]);
    expect(all[2].config).toEqual({ model: { cell: "gru" }, lr: 0.01 });
    expect(json<RunRow[]>("list", "--status", "finished", "--limit", "1").map((r) => r.id)).toEqual([2]);
  });
});

describe("rnnlab runs show", () => {
  it("runs show 1 prints the run's config, final metrics, artefacts, record counts and curve", () => {
    const result = runs("show", "1");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^run #1 \(train\)$/m);
    expect(result.stdout).toMatch(/^ {2}model\.cell = gru$/m);
    expect(result.stdout).toMatch(/^ {2}valLoss = 2\.5$/m);
    expect(result.stdout).toMatch(/^ {2}report = out\/a\/report\.html$/m);
    expect(result.stdout).toMatch(/^ {2}train = 30 records$/m);
    expect(result.stdout).toContain("* #1 train loss   + #1 val valLoss");
  });

  it("runs show 2 --json gives the run and its record counts", () => {
    const details = json<{ run: RunRow; metricCounts: Record<string, number> }>("show", "2");
    expect(details.run.sweepId).toBe("s1");
    expect(details.metricCounts).toEqual({ train: 20, val: 2 });
  });
});

describe("rnnlab runs compare", () => {
  it("runs compare 1 2 --html tabulates, overlays the curves and writes the page", () => {
    const html = join(dir, "compare.html");
    const result = runs("compare", "1", "2", "--html", html);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^valLoss\s+2\.5\s+2\.25$/m);
    expect(result.stdout).toMatch(/^model\.cell\s+gru\s+lstm$/m);
    expect(result.stdout).not.toMatch(/^lr\s/m);
    expect(result.stdout).toContain("o #2 train loss");
    const page = readFileSync(html, "utf8");
    const spec = readReportData(page).figures.curves as LineSpec;
    expect(spec.series.map((s) => [s.name, s.x.length])).toEqual([
      ["#1 train loss", 30],
      ["#1 val valLoss", 3],
      ["#2 train loss", 20],
      ["#2 val valLoss", 2],
    ]);
  });

  it("runs compare --json --metric gradNorm gives the tables and that metric's curves", () => {
    const c = json<{ finals: unknown[]; configDiff: unknown[]; curves: { type: string; key: string }[] }>(
      "compare",
      "1",
      "2",
      "--metric",
      "gradNorm",
    );
    expect(c.finals).toEqual([
      { key: "valLoss", values: [2.5, 2.25] },
      { key: "steps", values: [30, null] },
    ]);
    expect(c.configDiff).toEqual([{ key: "model.cell", values: ["gru", "lstm"] }]);
    expect(c.curves.map((k) => `${k.type} ${k.key}`)).toEqual(["train gradNorm", "train gradNorm"]);
  });
});

describe("rnnlab runs export", () => {
  it("runs export writes CSV to stdout, quoting a name with a comma", () => {
    const result = runs("export");
    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(
      "id,kind,status,name,sweep,trial,started,ended,config.model.cell,config.lr,final.valLoss,final.steps",
    );
    expect(lines[1]).toMatch(/^1,train,finished,"out\/a, first",,,\S+,\S+,gru,0\.01,2\.5,30$/);
    expect(lines).toHaveLength(4);
  });

  it("runs export --sweep s1 --format json --out FILE writes the trials with their metrics", () => {
    const out = join(dir, "export.json");
    const result = runs("export", "--sweep", "s1", "--format", "json", "--out", out);
    expect(result.stdout).toBe(`wrote 1 run to ${out}\n`);
    const exported = JSON.parse(readFileSync(out, "utf8")) as (RunRow & { metrics: unknown[] })[];
    expect(exported.map((r) => [r.id, r.metrics.length])).toEqual([[2, 22]]);
  });

  it("runs export 1 --json --out FILE prints what it wrote", () => {
    const out = join(dir, "one.csv");
    expect(json("export", "1", "--format", "csv", "--out", out)).toEqual({ out, format: "csv", runs: 1 });
    expect(readFileSync(out, "utf8").split("\n")).toHaveLength(3);
  });
});

describe("rnnlab runs: help and bad input", () => {
  it("runs --help lists the four subcommands", () => {
    const result = rnnlab(["runs", "--help"]);
    expect(result.status).toBe(0);
    for (const sub of ["list", "show", "compare", "export"])
      expect(result.stdout).toMatch(new RegExp(`^  ${sub} `, "m"));
  });

  it("a missing store is one line, and no store is created", () => {
    const missing = join(dir, "none", "store.sqlite");
    const result = rnnlab(["runs", "list", "--store", missing]);
    expectRefusal(
      result,
      /^rnnlab: no run store at .*none\/store\.sqlite: train something first, or give --store$/,
    );
    expect(existsSync(join(dir, "none"))).toBe(false);
  });

  it("an unknown id is one line naming it and how to list ids, and no page is written", () => {
    const html = join(dir, "unknown.html");
    expectRefusal(
      runs("compare", "1", "9", "--html", html),
      /no run 9 in .*: `rnnlab runs list --store .*` shows the ids$/,
    );
    expect(existsSync(html)).toBe(false);
  });

  it("an unknown sweep is one line listing the store's sweeps, and no file is written", () => {
    const before = readdirSync(dir).sort();
    expectRefusal(
      runs("export", "--sweep", "nope", "--out", join(dir, "nope.csv")),
      /no sweep 'nope' .*\(its sweeps: s1\)$/,
    );
    expect(readdirSync(dir).sort()).toEqual(before);
  });
});
