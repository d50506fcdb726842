import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { smallTrainFlags } from "./helpers/cli.js";
import { UserError } from "../cli/errors.js";
import { loadCheckpointFile, type Writer, writeFileAtomic, writeRegeneratedFile } from "../cli/files.js";

// A full disk: writes that fail with ENOSPC. The report needs no more free space than its own size;
// `rnnlab train` on a full disk (the fault hook RNNLAB_FAULT_WRITE_ERROR) ends with one line, the
// previous checkpoint whole, no temporary file and no lock left.

const scratch = mkdtempSync(join(tmpdir(), "rnnlab-disk-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const enospc = () => Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
/** A disk with room for one copy of `path`: a write fails while the old file is still there. */
const roomForOne =
  (path: string): Writer =>
  (fd, bytes) => {
    if (existsSync(path)) throw enospc();
    writeFileSync(fd, bytes);
  };

describe("writeRegeneratedFile (report.html)", () => {
  it("on a disk with room for one copy, replaces the file where writeFileAtomic cannot", () => {
    const target = join(scratch, "report.html");
    writeFileSync(target, "old page");
    expect(() => writeFileAtomic(target, "new page", roomForOne(target))).toThrow(
      new UserError(`cannot write '${target}': no space left on the device`),
    );
    expect(readFileSync(target, "utf8")).toBe("old page");
    writeRegeneratedFile(target, "new page", roomForOne(target));
    expect(readFileSync(target, "utf8")).toBe("new page");
    expect(readdirSync(scratch).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("a write that fails for another reason keeps the old file", () => {
    const target = join(scratch, "kept.html");
    writeFileSync(target, "old page");
    const denied: Writer = () => {
      throw Object.assign(new Error("EACCES"), { code: "EACCES" });
    };
    expect(() => writeRegeneratedFile(target, "new page", denied)).toThrow(/permission denied/);
    expect(readFileSync(target, "utf8")).toBe("old page");
  });
});

const small = smallTrainFlags(scratch);
const options = [...small, "--eval-every", "2", "--threads", "1"];

/** `rnnlab train ARGS` with RNNLAB_FAULT_WRITE_ERROR=fault. */
function trainOnFullDisk(fault: string, args: string[]) {
  const r = spawnSync(process.execPath, ["dist/cli/main.js", "train", ...args], {
    encoding: "utf8",
    env: { ...process.env, RNNLAB_FAULT_WRITE_ERROR: fault },
  });
  return { status: r.status, errors: r.stderr.split("\n").filter((line) => line.startsWith("rnnlab: ")) };
}

describe("rnnlab train on a full disk", () => {
  it("a fresh run whose first write fails: one line, exit 2, nothing left (not even the folder)", () => {
    const out = join(scratch, "fresh");
    const r = trainOnFullDisk("ENOSPC", [...options, "--steps", "4", "--out", out]);
    expect(r.status).toBe(2);
    expect(r.errors).toEqual([
      `rnnlab: cannot write '${join(out, "metrics.jsonl")}': no space left on the device`,
    ]);
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    ["checkpoint.safetensors", 4],
    ["report.html", 6],
    ["metrics.jsonl", 4],
  ])(
    "a resumed run that cannot write %s: one line, exit 2, a whole checkpoint (step %i), no temp file, no lock",
    (file, step) => {
      const out = join(scratch, `resumed-${file}`);
      expect(
        spawnSync(process.execPath, ["dist/cli/main.js", "train", ...options, "--steps", "4", "--out", out])
          .status,
      ).toBe(0);
      const r = trainOnFullDisk(`ENOSPC:${file}`, ["--resume", out, "--steps", "8"]);
      expect(r.status).toBe(2);
      expect(r.errors).toEqual([`rnnlab: cannot write '${join(out, file)}': no space left on the device`]);
      expect(loadCheckpointFile(join(out, "checkpoint.safetensors")).step).toBe(step);
      expect(readdirSync(out).sort()).toEqual(["checkpoint.safetensors", "metrics.jsonl", "report.html"]);
    },
  );
});
