import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { rnnlab } from "./helpers/cli.js";

const fixtures = "test/fixtures/torch";
const scratch = mkdtempSync(join(tmpdir(), "rnnlab-cli-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function writeFixture(name: string, from: string, mutate: (f: Record<string, unknown>) => void): string {
  const fixture = JSON.parse(readFileSync(`${fixtures}/${from}`, "utf8"));
  mutate(fixture);
  const path = join(scratch, name);
  writeFileSync(path, JSON.stringify(fixture));
  return path;
}

describe("rnnlab", () => {
  it("rnnlab --help lists the commands and exits 0", () => {
    const r = rnnlab(["--help"]);
    expect(r.status).toBe(0);
    for (const command of ["train", "sample", "predict", "eval", "parity", "import-torch"])
      expect(r.stdout).toContain(command);
  });

  it("rnnlab --no-such-flag: one line naming the option, exit 2", () => {
    const r = rnnlab(["--no-such-flag"]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/unknown option '--no-such-flag'/);
  });

  it("rnnlab parity test/fixtures/torch/*.json passes every file in both precisions", () => {
    const files = [
      "rnn_tanh_L2_T4_B2_I3_H5.json",
      "lstm_L1_T5_B3_I4_H6.json",
      "charlm_gru_sgd_V11_E5_H7_T5_B3.json",
      "clip_5_tensors.json",
    ];
    const r = rnnlab(["parity", ...files.map((f) => `${fixtures}/${f}`)]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/PASS: 4\/4 files within tolerance/);
    expect(r.stdout).toMatch(/grads\.weight_hh_l0/);
  });

  it("rnnlab parity --json prints one JSON document with a report per file", () => {
    const r = rnnlab(["parity", "--json", `${fixtures}/gru_L2_T4_B2_I3_H5.json`]);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.reports).toHaveLength(1);
    expect(out.reports[0].runs.map((run: { dtype: string }) => run.dtype)).toEqual(["float64", "float32"]);
    expect(out.reports[0].ok).toBe(true);
  });

  it("rnnlab parity FILE with a changed reference value: FAIL and exit 1", () => {
    const path = writeFixture("tampered.json", "rnn_relu_L1_T5_B3_I4_H6.json", (f) => {
      (f.output as number[][][])[1][0][0] += 0.01;
    });
    const r = rnnlab(["parity", "--summary", path]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/FAIL: 0\/1/);
  });

  it("rnnlab parity with a missing file or a fixture missing a key: one line each, exit 2", () => {
    const broken = writeFixture("broken.json", "lstm_L1_T5_B3_I4_H6.json", (f) => {
      delete (f.grads as Record<string, unknown>).c0;
    });
    const r = rnnlab(["parity", join(scratch, "nope.json"), broken]);
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/nope\.json: no such file/);
    expect(lines[1]).toMatch(/broken\.json: missing key 'grads\.c0'/);
  });

  it("rnnlab parity on a file that is not JSON: one line, exit 2", () => {
    const path = join(scratch, "garbage.json");
    writeFileSync(path, "{ not json");
    const r = rnnlab(["parity", path]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/garbage\.json: not valid JSON/);
  });
});
