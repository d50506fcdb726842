import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installPacked } from "./helpers/packed.js";

// rnnlab as `npm install rnnlab` gives it: the packed tarball in a scratch folder, from npm's cache
// (no network). A library user gets zod and no more; the command line's packages are optional peer
// dependencies, and the command says in one line what to install when they are missing.

const PEERS = ["commander", "cli-progress", "d3", "@observablehq/plot", "node-sqlite3-wasm", "yaml"];
const INSTALL_TIMEOUT = 180_000;

const scratches: string[] = [];
afterAll(() => {
  for (const dir of scratches) rmSync(dir, { recursive: true, force: true });
});

function scratch(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `rnnlab-${prefix}-`));
  scratches.push(dir);
  return dir;
}

/** The installed `rnnlab` command (node_modules/.bin/rnnlab, the "bin" link npm made). */
function rnnlabBin(dir: string, args: string[]) {
  return spawnSync(join(dir, "node_modules", ".bin", "rnnlab"), args, {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, FORCE_COLOR: "0" },
  });
}

const stderrLines = (stderr: string) => stderr.split("\n").filter((line) => line.trim() !== "");

describe("npm install rnnlab (the packed tarball, alone)", () => {
  let dir: string;
  beforeAll(() => {
    dir = scratch("library");
    installPacked(dir);
  }, INSTALL_TIMEOUT);

  it("installs rnnlab and zod, and none of the command line's packages", () => {
    for (const pkg of ["rnnlab", "zod"]) expect(existsSync(join(dir, "node_modules", pkg)), pkg).toBe(true);
    for (const pkg of PEERS) expect(existsSync(join(dir, "node_modules", pkg)), pkg).toBe(false);
  });

  it('import { SequenceModel, createOptimizer, Trainer } from "rnnlab" trains a step', () => {
    writeFileSync(
      join(dir, "train.js"),
      `import { SequenceModel, createOptimizer, Trainer } from "rnnlab";
const input = { kind: "embedding", vocabSize: 4, embeddingSize: 4 };
const model = new SequenceModel({ cell: "gru", hiddenSize: 8, input }, { seed: 1 });
const optimizer = createOptimizer({ name: "adam", lr: 1e-2 }, model);
const data = Int32Array.from({ length: 64 }, (_, i) => i % 4);
const trainer = new Trainer({ model, optimizer, data, seqLen: 4, batch: 2, seed: 1 });
console.log(trainer.trainStep().loss);
`,
    );
    const loss = Number(execFileSync(process.execPath, ["train.js"], { cwd: dir, encoding: "utf8" }).trim());
    expect(Number.isFinite(loss)).toBe(true);
    // four equally likely tokens at the start: the loss is near ln 4
    expect(loss).toBeGreaterThan(0.5);
  });

  it("rnnlab train exits 1 with one line: the six missing packages and the npm install that adds them", () => {
    const r = rnnlabBin(dir, ["train", "--steps", "1"]);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toBe("");
    const lines = stderrLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^rnnlab: the command line needs commander, cli-progress, d3, @observablehq\/plot, node-sqlite3-wasm and yaml,/,
    );
    expect(lines[0]).toMatch(
      /optional peer dependencies\): npm install commander cli-progress d3 @observablehq\/plot node-sqlite3-wasm yaml$/,
    );
  });
});

describe("npm install rnnlab commander cli-progress d3 @observablehq/plot node-sqlite3-wasm yaml (the command line's peers too)", () => {
  let dir: string;
  beforeAll(() => {
    dir = scratch("cli");
    installPacked(dir, PEERS);
  }, INSTALL_TIMEOUT);

  it("rnnlab --help lists the commands", () => {
    const r = rnnlabBin(dir, ["--help"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\s+train\b/m);
  });

  it("rnnlab train runs, and its report inlines d3 and Plot from the installed peers", () => {
    const text = join(dir, "text.txt");
    writeFileSync(text, readFileSync("data/tinyshakespeare.txt", "utf8").slice(0, 20_000));
    const out = join(dir, "run");
    const small = ["--data", text, "--hidden", "8", "--embedding", "8", "--seq-len", "16", "--batch", "4"];
    const r = rnnlabBin(dir, [
      "train",
      ...small,
      "--steps",
      "2",
      "--eval-every",
      "2",
      "--out",
      out,
      "--json",
    ]);
    expect(r.status, r.stderr).toBe(0);
    const last = JSON.parse(r.stdout.trim().split("\n").at(-1) as string);
    expect(last.steps).toBe(2);
    expect(Number.isFinite(last.valLoss)).toBe(true);
    const d3 = readFileSync(join(dir, "node_modules", "d3", "dist", "d3.min.js"), "utf8");
    expect(readFileSync(last.report, "utf8")).toContain(d3.slice(0, 200));
  });

  it("with d3 removed, the one line names d3 alone", () => {
    const d3 = join(dir, "node_modules", "d3");
    renameSync(d3, `${d3}.hidden`);
    try {
      const r = rnnlabBin(dir, ["train", "--steps", "1"]);
      expect(r.status).toBe(1);
      expect(stderrLines(r.stderr)).toEqual([expect.stringMatching(/needs d3, which .*: npm install d3$/)]);
    } finally {
      renameSync(`${d3}.hidden`, d3);
    }
  });
});

describe("npm pack", () => {
  it("ships the built files, not the TypeScript sources or the tests", () => {
    const [packed] = JSON.parse(
      execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { encoding: "utf8" }),
    ) as [{ files: { path: string }[] }];
    const paths = packed.files.map((file) => file.path);
    for (const built of ["dist/cli/main.js", "dist/cli/program.js", "dist/src/index.js", "dist/node/main.js"])
      expect(paths).toContain(built);
    expect(paths.filter((path) => /^(src|test|cli|node|lab)\//.test(path))).toEqual([]);
    expect(paths.filter((path) => /(^|\/)test\//.test(path))).toEqual([]);
    expect(paths.filter((path) => path.endsWith(".ts") && !path.endsWith(".d.ts"))).toEqual([]);
  });
});
