import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { prepareScratch } from "../helpers/readme-example.js";
import { skipGpuTests, useSwiftShader } from "../helpers/gpu.js";

// README.md's "## On a GPU" example, run by Node against the installed package on SwiftShader.
// SwiftShader is a CPU: the loop's 300 steps become 4 (the one change), logging every 2.

const block = readFileSync("README.md", "utf8").match(/## On a GPU[\s\S]*?```ts\n([\s\S]*?)```/)?.[1] ?? "";
const scratch = mkdtempSync(join(tmpdir(), "rnnlab-readme-gpu-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(skipGpuTests())("the README's GPU example", () => {
  it("trains on the GPU, evaluates, and syncs the weights back", () => {
    expect(block).toContain("step <= 300");
    useSwiftShader();
    prepareScratch(scratch);
    const shortened = block.replace("step <= 300", "step <= 4").replace("step % 100", "step % 2");
    const js = ts.transpileModule(shortened, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    writeFileSync(join(scratch, "example.mjs"), js);
    const run = spawnSync(process.execPath, ["example.mjs"], { cwd: scratch, encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines.slice(0, 2)).toEqual([
      expect.stringMatching(/^step 2: loss \d\.\d{3}$/),
      expect.stringMatching(/^step 4: loss \d\.\d{3}$/),
    ]);
    const valLoss = Number(lines[2].match(/^val loss (\d\.\d{3}) nats\/char$/)?.[1]);
    // Four steps from a uniform start: below ln V (4.17 for 65 characters), far above a trained model.
    expect(valLoss).toBeLessThan(Math.log(65));
    expect(valLoss).toBeGreaterThan(3);
  });
});
