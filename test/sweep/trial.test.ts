import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { metricRecord, runTrial, summaryOf } from "../../dist/cli/sweep/trial.js";
import type { Trial } from "../../cli/sweep/types.js";

const scratch = mkdtempSync(join(tmpdir(), "rnnlab-trial-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function trainTrial(extra: string[] = []): Trial {
  const text = join(scratch, "text.txt");
  writeFileSync(text, readFileSync("data/tinyshakespeare.txt", "utf8").slice(0, 20_000));
  const argv = ["train", "--data", text, "--hidden", "8", "--embedding", "4", "--seq-len", "8"];
  argv.push(
    "--batch",
    "4",
    "--steps",
    "20",
    "--eval-every",
    "10",
    "--val-batches",
    "2",
    "--seed",
    "3",
    ...extra,
  );
  return { key: "tabc", command: "train", params: {}, seed: 3, argv };
}

describe("metricRecord(line)", () => {
  it("keeps a record's numbers (null for null) and drops its text", () => {
    const line = JSON.stringify({ type: "val", step: 10, valLoss: 2.5, sample: "abc", gnorm: null });
    expect(metricRecord(line)).toEqual({ step: 10, type: "val", values: { valLoss: 2.5, gnorm: null } });
  });

  it("is null for a line without a step (the run's config) or a torn line", () => {
    expect(metricRecord(JSON.stringify({ type: "run", config: {} }))).toBeNull();
    expect(metricRecord('{"type":"train","step":3,"lo')).toBeNull();
  });
});

describe("summaryOf(trial, stdout)", () => {
  it("is the last JSON object line of the output", () => {
    const out = 'report: x\n{"valLoss":1.5}\nnoise\n{"valLoss":1.25,"steps":20}\n';
    expect(summaryOf(trainTrial(), out)).toEqual({ valLoss: 1.25, steps: 20 });
  });

  it("counts a lab trial's verdicts", () => {
    const lab: Trial = { key: "t1", command: "lab", params: {}, seed: 1, argv: ["lab"] };
    const out = JSON.stringify([{ verdict: "true" }, { verdict: "false" }, { verdict: "true" }]);
    expect(summaryOf(lab, out)).toEqual({ claims: 3, true: 2, false: 1 });
  });

  it("is null when no line is JSON", () => {
    expect(summaryOf(trainTrial(), "report: x\n")).toBeNull();
  });
});

describe("runTrial(trial, options)", () => {
  it("runs rnnlab train to its summary and streams its records as they are written", async () => {
    const seen: string[] = [];
    const dir = join(scratch, "finished");
    const result = await runTrial(trainTrial(), {
      dir,
      onRecord: (record) => {
        seen.push(`${record.type}@${record.step}`);
        return "continue";
      },
    });
    expect(result.status).toBe("finished");
    expect(result.error).toBeNull();
    expect(typeof result.summary?.valLoss).toBe("number");
    expect(result.summary?.steps).toBe(20);
    expect(result.metrics.filter((r) => r.type === "train").map((r) => r.step)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(result.metrics.filter((r) => r.type === "val").map((r) => r.step)).toEqual([10, 20]);
    expect(seen).toEqual(result.metrics.map((r) => `${r.type}@${r.step}`));
    expect(result.artefacts.dir).toBe(dir);
    expect(result.artefacts.checkpoint).toBe(join(dir, "checkpoint.safetensors"));
  });

  it("stops a trial when onRecord says stop, and reports it stopped", async () => {
    const trial = trainTrial(["--steps", "2000"]);
    const result = await runTrial(trial, {
      dir: join(scratch, "stopped"),
      onRecord: (record) => (record.type === "val" ? "stop" : "continue"),
    });
    expect(result.status).toBe("stopped");
    expect(result.metrics.filter((r) => r.type === "val")[0]?.step).toBe(10);
    expect(result.metrics.filter((r) => r.type === "train").length).toBeLessThan(2000);
  });

  it("fails with the command's one-line error", async () => {
    const result = await runTrial(trainTrial(["--hidden", "0"]), { dir: join(scratch, "failed") });
    expect(result.status).toBe("failed");
    expect(result.summary).toBeNull();
    expect(result.error).toMatch(/^rnnlab: .*--hidden/);
  });
});
