import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rnnlab, smallTrainFlags } from "./helpers/cli.js";

// The memory budget (cli/memory-budget.ts): a run estimated over it is refused with one line,
// exit 2, before the model is built and with nothing left behind; --max-memory moves it.

const scratch = mkdtempSync(join(tmpdir(), "rnnlab-cli-memory-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let flags: string[];
let trained: string;
beforeAll(() => {
  flags = smallTrainFlags(scratch);
  trained = join(scratch, "trained");
  const r = rnnlab(["train", ...flags, "--steps", "1", "--eval-every", "1", "--out", trained]);
  expect(r.status, r.stderr).toBe(0);
});

function refused(args: string[], pattern: RegExp): void {
  const r = rnnlab(args);
  expect([args.join(" "), r.status]).toEqual([args.join(" "), 2]);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
}

describe("rnnlab train: the memory budget", () => {
  it("refuses a huge run with one line, leaving no run folder", () => {
    const out = join(scratch, "huge");
    refused(
      [
        "train",
        ...flags,
        "--hidden",
        "2048",
        "--layers",
        "8",
        "--batch",
        "100000",
        "--seq-len",
        "1000",
        "--out",
        out,
      ],
      /^rnnlab: this run needs about [\d.]+ TiB \(activations [\d.]+ TiB for --seq-len 1000 × --batch 100000\), over the budget of [\d.]+ GiB \(half of this machine's [\d.]+ GiB\): use --batch \d+( or less)?, or raise --max-memory\n$/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it("refuses an array longer than V8 makes, whatever the budget", () => {
    const out = join(scratch, "array");
    const args = [
      "train",
      ...flags,
      "--hidden",
      "4096",
      "--layers",
      "64",
      "--out",
      out,
      "--max-memory",
      "1000T",
    ];
    refused(
      args,
      /one array of \d+ values \(parameters\), more than the 4294967296 a JavaScript typed array can hold: the model itself is too large/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it("--max-memory lowers the budget: a small run is refused under 1M and names the batch that fits", () => {
    const out = join(scratch, "small");
    refused(
      ["train", ...flags, "--batch", "64", "--seq-len", "64", "--out", out, "--max-memory", "1M"],
      /over the budget of 1\.0 MiB \(--max-memory 1M\): use --batch \d+ or less, or raise --max-memory/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it("the same run is accepted without --max-memory, and with a larger one", () => {
    for (const extra of [[], ["--max-memory", "64M"]]) {
      const out = join(scratch, `ok${extra.length}`);
      const args = [
        "train",
        ...flags,
        "--batch",
        "64",
        "--seq-len",
        "64",
        "--steps",
        "1",
        "--eval-every",
        "1",
      ];
      const r = rnnlab([...args, "--out", out, ...extra]);
      expect(r.status, r.stderr).toBe(0);
      expect(readdirSync(out)).toContain("checkpoint.safetensors");
    }
  });

  it.each(["abc", "0", "-2G", "2X", ""])("refuses --max-memory '%s' with one line", (value) => {
    const out = join(scratch, "bad");
    refused(
      ["train", ...flags, "--out", out, "--max-memory", value],
      /--max-memory must be a size such as 512M, 2G/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it("is checked on --resume from the checkpoint's config", () => {
    refused(
      ["train", "--resume", trained, "--max-memory", "10K"],
      /over the budget of 10\.0 KiB \(--max-memory 10K\)/,
    );
  });

  it("lists --max-memory in --help", () => {
    expect(rnnlab(["train", "--help"]).stdout).toContain("--max-memory <size>");
  });
});

describe("rnnlab sample, eval, predict: the memory budget", () => {
  it("sample refuses a generation over --max-memory and names the --num that fits", () => {
    refused(
      ["sample", trained, "--num", "1024", "--length", "100000", "--max-memory", "2M"],
      /^rnnlab: this run needs about [\d.]+ MiB .*over the budget of 2\.0 MiB \(--max-memory 2M\): use --num \d+ or less, or raise --max-memory\n$/,
    );
    const ok = rnnlab(["sample", trained, "--length", "5", "--max-memory", "64M"]);
    expect(ok.status, ok.stderr).toBe(0);
  });

  it("eval refuses rollouts over --max-memory", () => {
    refused(
      ["eval", trained, "--count", "100000", "--max-memory", "4M"],
      /use --count \d+ or less, or raise --max-memory/,
    );
  });

  it.each(["sample", "eval", "predict"])(
    "%s refuses a bad --max-memory and lists it in --help",
    (command) => {
      const args = command === "predict" ? ["--data", "x.jsonl"] : [];
      refused([command, trained, ...args, "--max-memory", "lots"], /--max-memory must be a size/);
      expect(rnnlab([command, "--help"]).stdout).toContain("--max-memory <size>");
    },
  );
});
