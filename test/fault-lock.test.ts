import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UserError } from "../cli/errors.js";
import { loadCheckpointFile } from "../cli/files.js";
import { lockRunFolder, removeStaleTempFiles } from "../cli/train/run-lock.js";
import { rnnlab, smallTrainFlags } from "./helpers/cli.js";

// A run folder belongs to one process: the lock's rules in this process, then two `rnnlab train`
// processes on one folder, a signal, a kill, and the temporary files a killed run leaves.

const scratch = mkdtempSync(join(tmpdir(), "rnnlab-lock-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let folders = 0;
const folder = () => join(scratch, `f${folders++}`);

/** A pid that no process holds: a child's, after it has exited. */
const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid as number;
const writeLock = (dir: string, owner: object) => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, ".lock"),
    JSON.stringify({ startedAt: "2024-01-01T00:00:00.000Z", token: "t", ...owner }),
  );
};

describe("lockRunFolder", () => {
  it("holds pid, host and start time; a second lock of a held folder is refused naming them; release frees it", () => {
    const dir = folder();
    const lock = lockRunFolder(dir);
    const stored = JSON.parse(readFileSync(join(dir, ".lock"), "utf8"));
    expect(stored).toMatchObject({ pid: process.pid, host: hostname() });
    expect(Date.parse(stored.startedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(() => lockRunFolder(dir)).toThrow(UserError);
    expect(() => lockRunFolder(dir)).toThrow(
      new RegExp(
        `in use by another run: pid ${process.pid} on ${hostname()} .*--force does not override this`,
      ),
    );
    lock.release();
    expect(existsSync(join(dir, ".lock"))).toBe(false);
    lockRunFolder(dir).release();
  });

  it("takes over a stale lock (a dead pid of this host) with a note", () => {
    const dir = folder();
    const pid = deadPid();
    writeLock(dir, { pid, host: hostname() });
    const notes: string[] = [];
    const lock = lockRunFolder(dir, (line) => notes.push(line));
    expect(notes).toEqual([
      expect.stringMatching(new RegExp(`took over the stale lock of pid ${pid} .*no longer running`)),
    ]);
    expect(JSON.parse(readFileSync(lock.path, "utf8")).pid).toBe(process.pid);
    lock.release();
  });

  it("refuses a lock of another host (its pid cannot be checked here), saying how to remove it", () => {
    const dir = folder();
    writeLock(dir, { pid: 1, host: "elsewhere.example" });
    expect(() => lockRunFolder(dir)).toThrow(
      `${dir} is locked by pid 1 on host elsewhere.example (since 2024-01-01T00:00:00.000Z), which this host cannot check: if no run is using ${dir}, delete ${join(dir, ".lock")}`,
    );
    expect(existsSync(join(dir, ".lock"))).toBe(true);
  });

  it("refuses a lock it cannot read, and a live process's lock (pid 1 here), leaving them in place", () => {
    const dir = folder();
    mkdirSync(dir);
    writeFileSync(join(dir, ".lock"), "{not json");
    expect(() => lockRunFolder(dir)).toThrow(/the lock cannot be read: if no run is using .*, delete /);
    writeLock(dir, { pid: 1, host: hostname() });
    expect(() => lockRunFolder(dir)).toThrow(/in use by another run: pid 1 /);
    expect(JSON.parse(readFileSync(join(dir, ".lock"), "utf8")).pid).toBe(1);
  });

  it("release removes only its own lock; a folder it made stays only if something was written in it", () => {
    const made = folder();
    lockRunFolder(made).release();
    expect(existsSync(made)).toBe(false);
    const used = folder();
    const lock = lockRunFolder(used);
    writeFileSync(join(used, "metrics.jsonl"), "");
    writeLock(used, { pid: 1, host: hostname(), token: "someone else" });
    lock.release();
    expect(JSON.parse(readFileSync(join(used, ".lock"), "utf8")).token).toBe("someone else");
  });

  it("removes the temporary files of the run's files only (rnnlab's '.NAME.<12 hex>.tmp'), with a note", () => {
    const dir = folder();
    mkdirSync(dir);
    const stale = [
      ".checkpoint.safetensors.0123456789ab.tmp",
      ".report.html.abcdef012345.tmp",
      ".metrics.jsonl.aaaaaaaaaaaa.tmp",
    ];
    const others = [
      ".checkpoint.safetensors.xyz.tmp",
      "notes.tmp",
      ".mine.0123456789ab.tmp",
      "checkpoint.safetensors",
    ];
    for (const name of [...stale, ...others]) writeFileSync(join(dir, name), "x");
    const notes: string[] = [];
    const lock = lockRunFolder(dir, (line) => notes.push(line));
    expect(readdirSync(dir).sort()).toEqual([".lock", ...others].sort());
    expect(notes).toEqual([
      `removed 3 temporary file(s) left by a killed run: ${[...stale].sort().join(", ")}`,
    ]);
    expect(removeStaleTempFiles(dir)).toEqual([]);
    lock.release();
  });
});

const small = [...smallTrainFlags(scratch), "--threads", "1"];

/** `rnnlab train ARGS` in the background, with its stderr collected. */
function startTrainer(args: string[]): {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, ["dist/cli/main.js", "train", ...args], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stderr: () => stderr, exit };
}

async function until(what: string, check: () => boolean): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > 30_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("rnnlab train: one process per run folder", () => {
  it("a second trainer is refused while the first runs (--force or --resume too); SIGTERM stops the first, lock removed", async () => {
    const out = folder();
    const first = startTrainer([...small, "--steps", "100000", "--eval-every", "5", "--out", out]);
    await until("the first checkpoint", () => first.stderr().includes("step 5: val"));
    for (const args of [
      [...small, "--force", "--out", out],
      ["--resume", out],
    ]) {
      const second = rnnlab(["train", ...args, "--steps", "5"]);
      expect(second.status).toBe(2);
      expect(second.stderr.trim().split("\n")).toEqual([
        expect.stringMatching(
          new RegExp(
            `^rnnlab: ${out} is in use by another run: pid ${first.child.pid} on ${hostname()} since `,
          ),
        ),
      ]);
    }
    first.child.kill("SIGTERM");
    expect(await first.exit).toBe(143);
    expect(first.stderr()).toMatch(
      new RegExp(
        `rnnlab: interrupted by SIGTERM after step \\d+: .* keeps step \\d+; --resume ${out} continues from it`,
      ),
    );
    expect(existsSync(join(out, ".lock"))).toBe(false);
    const step = loadCheckpointFile(join(out, "checkpoint.safetensors")).step;
    const resumed = rnnlab(["train", "--resume", out, "--steps", String(step + 2)]);
    expect(resumed.status, resumed.stderr).toBe(0);
  });

  it("SIGINT (Ctrl-C) stops a run between steps: exit 130, lock removed, the checkpoint whole", async () => {
    const out = folder();
    const first = startTrainer([...small, "--steps", "100000", "--eval-every", "5", "--out", out]);
    await until("the first checkpoint", () => first.stderr().includes("step 5: val"));
    first.child.kill("SIGINT");
    expect(await first.exit).toBe(130);
    expect(first.stderr()).toMatch(/rnnlab: interrupted by SIGINT after step \d+: /);
    expect(readdirSync(out).sort()).toEqual(["checkpoint.safetensors", "metrics.jsonl", "report.html"]);
    expect(loadCheckpointFile(join(out, "checkpoint.safetensors")).step % 5).toBe(0);
  });

  it("a SIGKILLed trainer's lock is stale: the next run takes it over with a note", async () => {
    const out = folder();
    const first = startTrainer([...small, "--steps", "100000", "--eval-every", "5", "--out", out]);
    await until("the first checkpoint", () => first.stderr().includes("step 5: val"));
    first.child.kill("SIGKILL");
    await first.exit;
    expect(JSON.parse(readFileSync(join(out, ".lock"), "utf8")).pid).toBe(first.child.pid);
    const step = loadCheckpointFile(join(out, "checkpoint.safetensors")).step;
    const resumed = rnnlab(["train", "--resume", out, "--steps", String(step + 2)]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`rnnlab: note: took over the stale lock of pid ${first.child.pid} `);
    expect(existsSync(join(out, ".lock"))).toBe(false);
  });
});
