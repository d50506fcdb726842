import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RESUMABLE } from "../cli/commands/train.js";
import { loadCheckpointFile } from "../cli/files.js";
import { decodeSafetensors } from "../src/io/safetensors.js";
import type { MetricRecord } from "../src/train/metrics.js";
import { parseRunConfig } from "../src/train/run-config.js";
import { rnnlab, smallTrainFlags } from "./helpers/cli.js";
import { edited } from "./helpers/text-checkpoint.js";

// `rnnlab train` end to end on a small text with a small model, so each run takes a second or two.

const scratch = mkdtempSync(join(tmpdir(), "rnnlab-train-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const small = [...smallTrainFlags(scratch), "--eval-every", "2"];

const metrics = (dir: string): MetricRecord[] =>
  readFileSync(join(dir, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
const losses = (records: MetricRecord[]) =>
  records
    .filter((r) => r.type === "train" || r.type === "val")
    .map((r) => [r.type, r.step, "loss" in r ? r.loss : r.valLoss]);

describe("rnnlab train", () => {
  it("--json ends with one JSON line; the folder holds a loadable checkpoint, metrics and a report", () => {
    const out = join(scratch, "basic");
    const r = rnnlab([
      "train",
      ...small,
      "--steps",
      "6",
      "--mode",
      "scheduled-sampling",
      "--out",
      out,
      "--json",
    ]);
    expect(r.status, r.stderr).toBe(0);
    const last = JSON.parse(r.stdout.trim().split("\n").at(-1) as string);
    expect(last.steps).toBe(6);
    for (const key of ["valLoss", "unigramLoss", "tokensPerSecond"])
      expect(Number.isFinite(last[key]), key).toBe(true);
    expect(last.unigramLoss).toBeGreaterThan(2.5);
    expect(loadCheckpointFile(last.checkpoint).step).toBe(6);
    expect(existsSync(last.report)).toBe(true);
    const count = (type: string) => metrics(out).filter((m) => m.type === type).length;
    expect(["run", "train", "val", "gradflow", "done"].map(count)).toEqual([1, 6, 3, 3, 1]);
    expect(r.stderr).toMatch(/\[6\/6 steps\] 100%/);
  });

  it("says which validation loss is which: the periodic ones over 16 batches, the final one over the full split", () => {
    // 20,000 characters, the last 10% for validation: 2,000 tokens, 124 windows of 16 (1,984 tokens);
    // 16 batches of 4 windows are 1,024 of them.
    const out = join(scratch, "val-labels");
    const r = rnnlab(["train", ...small, "--steps", "2", "--out", out, "--json"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/step 2: val \(16 batches, 1,024 tokens\) \d\.\d{3} \|/);
    expect(r.stderr).toMatch(/^val \(full split, 1,984 tokens\) \d\.\d{4} nats\/token/m);
    expect(JSON.parse(r.stdout.trim().split("\n").at(-1) as string).valTokens).toBe(1984);
    const tokens = metrics(out).map((m) =>
      m.type === "val" || m.type === "done" ? [m.type, m.valTokens] : null,
    );
    expect(tokens.filter((t) => t !== null)).toEqual([
      ["val", 1024],
      ["done", 1984],
    ]);
    expect(readFileSync(join(out, "report.html"), "utf8")).toContain("the full split, 1,984 tokens");
  });

  it("--threads 2 splits teacher-forced batches: the losses of --threads 1 up to float32 rounding", () => {
    const run = (threads: string) => {
      const out = join(scratch, `threads-${threads}`);
      const r = rnnlab([
        "train",
        ...small,
        "--batch",
        "8",
        "--steps",
        "4",
        "--threads",
        threads,
        "--out",
        out,
        "--json",
      ]);
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout.trim().split("\n").at(-1) as string).threads).toBe(Number(threads));
      expect(r.stderr).toMatch(new RegExp(`tokens/s on ${threads} thread`));
      return losses(metrics(out)) as [string, number, number][];
    };
    const one = run("1");
    const two = run("2");
    expect(two.map(([type, step]) => [type, step])).toEqual(one.map(([type, step]) => [type, step]));
    for (let i = 0; i < one.length; i++) expect(Math.abs(two[i][2] - one[i][2])).toBeLessThan(1e-4);
  });

  const dropout = ["--output-dropout", "0.3", "--recurrent-dropout", "0.2", "--zoneout", "0.1"];
  it.each([
    ["", []],
    [" (dropout: step k draws the masks of pass k)", dropout],
  ])("a run resumed from its checkpoint gives the same metrics as one never stopped%s", (_name, extra) => {
    const whole = join(scratch, `whole${extra.length}`);
    const parts = join(scratch, `parts${extra.length}`);
    const feeding = ["--mode", "scheduled-sampling", "--schedule", "linear", "--c", "0.1"];
    const options = [...small, ...feeding, ...extra];
    expect(rnnlab(["train", ...options, "--steps", "8", "--out", whole]).status).toBe(0);
    expect(rnnlab(["train", ...options, "--steps", "4", "--out", parts]).status).toBe(0);
    const resumed = rnnlab(["train", "--resume", parts, "--steps", "8"]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(losses(metrics(parts))).toEqual(losses(metrics(whole)));
    expect(losses(metrics(whole))).toHaveLength(12);
  });

  it("a run killed (SIGKILL) while writing a checkpoint leaves the previous checkpoint loadable", async () => {
    const out = join(scratch, "killed");
    expect(rnnlab(["train", ...small, "--steps", "2", "--out", out]).status).toBe(0);
    const child = spawn(process.execPath, ["dist/cli/main.js", "train", "--resume", out, "--steps", "50"], {
      env: { ...process.env, RNNLAB_FAULT_WRITE_DELAY_MS: "20000" },
      stdio: "ignore",
    });
    const torn = await new Promise<string>((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        const temp = readdirSync(out).find(
          (f) => f.startsWith(".checkpoint.safetensors.") && f.endsWith(".tmp"),
        );
        if (temp) {
          clearInterval(poll);
          child.kill("SIGKILL");
          resolve(temp);
        } else if (Date.now() - started > 30_000) {
          clearInterval(poll);
          child.kill("SIGKILL");
          reject(new Error("no checkpoint write started"));
        }
      }, 20);
    });
    await new Promise((resolve) => child.on("exit", resolve));
    expect(existsSync(join(out, torn))).toBe(true);
    expect(loadCheckpointFile(join(out, "checkpoint.safetensors")).step).toBe(2);
    const again = rnnlab(["train", "--resume", out, "--steps", "4"]);
    expect(again.status, again.stderr).toBe(0);
    expect(loadCheckpointFile(join(out, "checkpoint.safetensors")).step).toBe(4);
  });
});

describe("rnnlab sample and rnnlab eval", () => {
  const out = join(scratch, "trained");
  const oracleRun = join(scratch, "oracle");

  it("rnnlab sample RUN --prime TEXT --length N prints the prime and N more characters, the same for the same seed", () => {
    expect(rnnlab(["train", ...small, "--steps", "4", "--out", out]).status).toBe(0);
    const args = [
      "sample",
      out,
      "--prime",
      "ROMEO:",
      "--length",
      "40",
      "--temperature",
      "0.7",
      "--top-k",
      "5",
      "--seed",
      "3",
    ];
    const a = rnnlab(args);
    expect(a.status, a.stderr).toBe(0);
    expect(a.stdout.startsWith("ROMEO:")).toBe(true);
    expect(Array.from(a.stdout.trimEnd()).length).toBeGreaterThanOrEqual(6 + 30);
    expect(rnnlab(args).stdout).toBe(a.stdout);
    expect(rnnlab([...args.slice(0, -1), "4"]).stdout).not.toBe(a.stdout);
  });

  it("rnnlab eval RUN --json: loss, bits per token, and the text exposure-bias curves", () => {
    const r = rnnlab(["eval", out, "--json", "--length", "20", "--count", "8"]);
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.bitsPerToken).toBeCloseTo(result.valLoss / Math.LN2, 12);
    expect(result.exposureBias.text.teacherForcedLoss).toHaveLength(20);
    expect(result.exposureBias.text.freeRunningLoss[0]).toBeCloseTo(
      result.exposureBias.text.teacherForcedLoss[0],
      6,
    );
    expect(result.exposureBias.oracle).toBeNull();
  });

  it("a run on an n-gram oracle's text gets the exact exposure-bias measure from rnnlab eval", () => {
    expect(rnnlab(["train", ...small, "--oracle", "3", "--steps", "2", "--out", oracleRun]).status).toBe(0);
    const r = rnnlab(["eval", oracleRun, "--json", "--length", "12", "--count", "8"]);
    expect(r.status, r.stderr).toBe(0);
    const oracle = JSON.parse(r.stdout).exposureBias.oracle;
    expect(oracle.ratio).toHaveLength(12);
    expect(oracle.ratio[0]).toBeCloseTo(1, 12);
    expect(oracle.accModel.every((x: number) => x > 0)).toBe(true);
  });

  it("rnnlab sample / eval of a missing checkpoint: one line, exit 2", () => {
    for (const command of ["sample", "eval"]) {
      const r = rnnlab([command, join(scratch, "absent")]);
      expect(r.status).toBe(2);
      expect(r.stderr.trim()).toMatch(/^rnnlab: no checkpoint at '.*absent'/);
    }
  });
});

describe("rnnlab train with bad input: one clear line, exit 2, nothing written", () => {
  const empty = join(scratch, "empty.txt");
  const binary = join(scratch, "binary.bin");
  writeFileSync(empty, "");
  writeFileSync(binary, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
  const tiny = join(scratch, "tiny.txt");
  writeFileSync(tiny, "to be or not to be");
  const lstmRun = join(scratch, "lstm-run");
  const resumable = join(scratch, "resumable");

  it.each([
    ["an empty --data file", ["--data", empty], /--data '.*empty\.txt' is empty/],
    ["a binary --data file", ["--data", binary], /looks binary/],
    [
      "a missing --data file",
      ["--data", join(scratch, "nope.txt")],
      /cannot read --data '.*nope\.txt': no such file/,
    ],
    [
      "a sequence longer than the data",
      ["--data", tiny, "--seq-len", "64"],
      /--seq-len 64 is longer than the training part of --data .* \(16 tokens\)/,
    ],
    [
      "a missing checkpoint for --resume",
      ["--resume", join(scratch, "nowhere")],
      /--resume .*nowhere: no checkpoint there/,
    ],
    ["an unknown option", ["--hiden", "16"], /unknown option '--hiden'/],
    ["a bad number", ["--hidden", "-4"], /--hidden must be an integer from 1 to 4096, got '-4'/],
    ["a bad choice", ["--cell", "transformer"], /argument 'transformer' is invalid/],
    ["two budgets", ["--steps", "3", "--minutes", "1"], /give --steps or --minutes, not both/],
    ["a bad thread count", ["--threads", "0"], /--threads must be an integer from 1 to 64, got '0'/],
  ])("%s", (_what, args, message) => {
    const out = join(scratch, `bad-${Math.random().toString(36).slice(2)}`);
    const r = rnnlab(["train", ...small.slice(2), ...args, "--out", out]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  it("--resume with another training option names every option it accepts", () => {
    expect(rnnlab(["train", ...small, "--steps", "2", "--out", resumable]).status).toBe(0);
    const r = rnnlab(["train", "--resume", resumable, "--seq-len", "8"]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    const accepted = RESUMABLE.map((name) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    expect(accepted).toEqual(expect.arrayContaining(["--steps", "--minutes", "--threads", "--json"]));
    expect(r.stderr).toContain(`only ${accepted.join(", ")} may be given with it`);
    expect(r.stderr).toMatch(/, not --seq-len\n$/);
    const given = [
      "--steps",
      "3",
      "--threads",
      "1",
      "--device",
      "cpu",
      "--json",
      "--force",
      "--store",
      join(scratch, "resume-store.sqlite"),
      "--max-memory",
      "4G",
    ];
    // --minutes replaces --steps; the schedule flags need a schedule with an end (resume-cli.test.ts).
    const apart = ["--minutes", "--extend-schedule", "--restart-schedule"];
    expect(given.filter((arg) => arg.startsWith("--"))).toEqual(
      accepted.filter((flag) => !apart.includes(flag)),
    );
    const resumed = rnnlab(["train", "--resume", resumable, ...given]);
    expect(resumed.status, resumed.stderr).toBe(0);
  });

  it("--resume of a checkpoint whose stored run config was tampered with: one line naming the field", () => {
    const tampered = join(scratch, "tampered");
    expect(rnnlab(["train", ...small, "--steps", "2", "--out", tampered]).status).toBe(0);
    const path = join(tampered, "checkpoint.safetensors");
    // Written as rnnlab writes it (checksum included), so only the run config can be at fault.
    writeFileSync(
      path,
      edited(readFileSync(path), (file) => {
        file.extra.train = { ...parseRunConfig(file.extra.train), seqLen: -5 };
      }),
    );
    const r = rnnlab(["train", "--resume", tampered, "--steps", "4"]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(
      "is corrupt: its stored run config is invalid (extra.train.seqLen: expected a positive integer, got -5); start a new run",
    );
    expect(decodeSafetensors(readFileSync(path)).metadata.step).toBe("2");
  });

  it("eval of a checkpoint whose stored run config was tampered with: one line naming the field", () => {
    const tampered = join(scratch, "tampered-eval");
    expect(rnnlab(["train", ...small, "--steps", "2", "--out", tampered]).status).toBe(0);
    const path = join(tampered, "checkpoint.safetensors");
    writeFileSync(
      path,
      edited(readFileSync(path), (file) => {
        file.extra.train = { ...parseRunConfig(file.extra.train), batch: 0 };
      }),
    );
    const r = rnnlab(["eval", tampered]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(
      "its stored run config is invalid (extra.train.batch: expected a positive integer, got 0)",
    );
  });

  it("--resume with another architecture names the checkpoint's and leaves it untouched", () => {
    expect(rnnlab(["train", ...small, "--steps", "2", "--out", lstmRun]).status).toBe(0);
    const before = readFileSync(join(lstmRun, "checkpoint.safetensors"));
    const r = rnnlab(["train", "--resume", lstmRun, "--cell", "gru"]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(
      /the checkpoint holds a lstm with 1 layer\(s\) of 16.*--cell asks for another architecture/,
    );
    expect(readFileSync(join(lstmRun, "checkpoint.safetensors")).equals(before)).toBe(true);
  });
});
