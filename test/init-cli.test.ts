import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCheckpointFile } from "../cli/files.js";
import { parseRunConfig } from "../src/train/run-config.js";
import { blockRows, orthogonalityError } from "./helpers/init-checks.js";
import { rnnlab } from "./helpers/cli.js";

// `rnnlab train --init … --forget-bias …` end to end, with lr 0 so the checkpoint holds the
// initial parameters as they were drawn.

const scratch = mkdtempSync(join(tmpdir(), "rnnlab-init-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const text = join(scratch, "text.txt");
writeFileSync(text, readFileSync("data/tinyshakespeare.txt", "utf8").slice(0, 5_000));
const small = ["--data", text, "--hidden", "8", "--embedding", "4", "--seq-len", "8", "--batch", "2"];
const H = 8;

describe("rnnlab train --init", () => {
  it("--init orthogonal --forget-bias chrono: orthogonal gate blocks, chrono biases with Tmax = --seq-len, stored for --resume", () => {
    const out = join(scratch, "orthogonal");
    const args = [...small, "--steps", "1", "--lr", "0", "--dtype", "float64", "--eval-every", "1"];
    const r = rnnlab(["train", ...args, "--init", "orthogonal", "--forget-bias", "chrono", "--out", out]);
    expect(r.status, r.stderr).toBe(0);
    const checkpoint = loadCheckpointFile(join(out, "checkpoint.safetensors"));
    const init = { weights: "orthogonal", forgetBias: { chrono: 8 } };
    expect(checkpoint.config.init).toEqual(init);
    expect(parseRunConfig(checkpoint.extra?.train).model.init).toEqual(init);
    const hh = checkpoint.params["rnn.weight_hh_l0"].data;
    for (let g = 0; g < 4; g++) expect(orthogonalityError(blockRows(hh, g, H, H))).toBeLessThan(1e-12);
    const bf = [...checkpoint.params["rnn.bias_ih_l0"].data.subarray(H, 2 * H)];
    for (const b of bf) expect(b >= 0 && b < Math.log(7)).toBe(true);

    const resumed = rnnlab(["train", "--resume", out, "--init", "xavier-normal", "--steps", "2"]);
    expect(resumed.status).toBe(2);
    expect(resumed.stderr).toMatch(/^rnnlab: --resume .*--init asks for another architecture/);
  });

  it("leaves a default run's stored config without init", () => {
    const out = join(scratch, "default");
    const r = rnnlab(["train", ...small, "--steps", "1", "--eval-every", "1", "--out", out]);
    expect(r.status, r.stderr).toBe(0);
    const checkpoint = loadCheckpointFile(join(out, "checkpoint.safetensors"));
    expect("init" in checkpoint.config).toBe(false);
    expect("init" in parseRunConfig(checkpoint.extra?.train).model).toBe(false);
  });

  it.each([
    [
      ["--init", "identity"],
      "--init identity (IRNN) is for --cell rnn --activation relu; use --init orthogonal",
    ],
    [["--cell", "gru", "--forget-bias", "1"], "--forget-bias is for --cell lstm, not gru"],
    [["--forget-bias", "chrono:1"], "--forget-bias chrono:Tmax must be Tmax >= 2, got '1'"],
    [["--forget-bias", "high"], "--forget-bias must be a number or chrono[:Tmax], got 'high'"],
    [["--init-gain", "2"], "--init-gain needs --init other than default"],
  ])("%s fails with one line: %s", (flags, message) => {
    const r = rnnlab(["train", ...small, "--steps", "1", ...flags, "--out", join(scratch, "bad")]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(message);
  });

  it("--help lists --init, --init-gain and --forget-bias", () => {
    const help = rnnlab(["train", "--help"]).stdout;
    expect(help).toContain("--init <weights>");
    expect(help).toMatch(/"orthogonal",\s+"xavier-uniform",\s+"xavier-normal",\s+"identity"/);
    expect(help).toContain("--init-gain <x>");
    expect(help).toContain("--forget-bias <b>");
  });
});
