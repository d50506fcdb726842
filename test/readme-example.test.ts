import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { decodeCheckpoint } from "../src/io/checkpoint.js";
import { prepareScratch, readmeExample, runInNode } from "./helpers/readme-example.js";

// The README's library example, as it stands: typechecked against the built package's types, then
// run by Node from a scratch folder whose node_modules/rnnlab is this package (dist/, built first).

const repo = resolve(".");
const block = readmeExample();
const scratch = mkdtempSync(join(tmpdir(), "rnnlab-readme-"));
prepareScratch(scratch);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the README's library example", () => {
  it("is a complete loop of 10–20 lines: data → model → optimizer → clipped steps → evaluate → save", () => {
    const lines = block.split("\n").filter((l) => l.trim() && !l.startsWith("import"));
    expect(lines.length).toBeGreaterThanOrEqual(10);
    expect(lines.length).toBeLessThanOrEqual(22);
    for (const part of [
      "new SequenceModel",
      "createOptimizer",
      "clip",
      "trainStep",
      "evaluate",
      "encodeCheckpoint",
    ])
      expect(block).toContain(part);
  });

  it("typechecks against the package's declared types", () => {
    const file = join(scratch, "example.ts");
    writeFileSync(file, block);
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: ["node"],
      typeRoots: [join(repo, "node_modules/@types")],
      skipLibCheck: true,
    });
    const errors = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(errors).toEqual([]);
  }, 60_000);

  it("runs: the loss falls below uniform guessing and model.ckpt holds the trained GRU", () => {
    const run = runInNode(block, scratch);
    expect(run.warned).toEqual([]);
    const stdout = run.logged.join("\n");
    const steps = [...stdout.matchAll(/step (\d+): loss ([\d.]+), grad norm ([\d.]+)/g)];
    expect(steps.map((m) => Number(m[1]))).toEqual([100, 200, 300]);
    const [, valLoss, uniform] =
      stdout.match(/val loss ([\d.]+) nats\/char; uniform guessing: ([\d.]+)/) ?? [];
    expect(Number(valLoss)).toBeLessThan(Number(uniform) - 0.8);
    const ckpt = decodeCheckpoint(run.written["model.ckpt"]);
    expect(ckpt.config.cell).toBe("gru");
    expect(ckpt.step).toBe(300);
    expect(ckpt.optimizer?.config).toMatchObject({ name: "adam", lr: 3e-3 });
  }, 120_000);
});
