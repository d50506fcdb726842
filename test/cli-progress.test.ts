import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { createProgress, type ProgressOptions } from "../cli/progress.js";
import { rnnlab } from "./helpers/cli.js";

// The plain progress lines written off a terminal (CI logs, `| tee`): the unit counted, a tenth of
// the work per line, an ETA from the rate measured since the first update, one 100% line.

/** A plain progress over a stream that keeps its lines, on a clock the test sets (milliseconds). */
function plain(options: Omit<ProgressOptions, "stream" | "now">) {
  const lines: string[] = [];
  const clock = { ms: 0 };
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  const progress = createProgress({ ...options, stream, now: () => clock.ms });
  return { progress, lines, clock };
}

describe("createProgress off a TTY", () => {
  it("counts steps, prints at each tenth, and estimates from the rate since the first update", () => {
    const { progress, lines, clock } = plain({ unit: "steps", total: 100, fields: ["loss"] });
    // Step 1 at t = 0 (after setup the rate should not average in), then 1 s per step.
    for (let step = 1; step <= 100; step++) {
      clock.ms = (step - 1) * 1000;
      progress.update(step, { loss: 4 });
    }
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe("[10/100 steps] 10% eta 90s loss 4");
    expect(lines[4]).toBe("[50/100 steps] 50% eta 50s loss 4");
    expect(lines[9]).toBe("[100/100 steps] 100% eta 0s loss 4");
  });

  it("prints 100% once, however many updates come after the work is done", () => {
    const { progress, lines, clock } = plain({ unit: "steps", total: null, fields: [] });
    for (let i = 0; i < 40; i++) {
      clock.ms = i * 100;
      progress.update(i, {}, Math.min(1, i / 20));
    }
    expect(lines.filter((line) => line.includes("100%"))).toHaveLength(1);
  });

  it("under a time limit: steps counted, the share is of the time, and the ETA is the time left", () => {
    const { progress, lines, clock } = plain({ unit: "steps", total: null, fields: [] });
    // A 270 s budget whose first 27 s went to setup: the first update comes at 10 % of the time.
    const budget = 270_000;
    for (let t = 27_000, step = 1; t <= budget; t += 1000, step += 4) {
      clock.ms = t - 27_000;
      progress.update(step, {}, t / budget);
    }
    expect(lines[0]).toBe("[1 steps] 10% of the time eta -");
    expect(lines[1]).toBe("[109 steps] 20% of the time eta 216s");
    expect(lines.at(-1)).toMatch(/^\[\d+ steps\] 100% of the time eta 0s$/);
  });

  it("in the lab: claims counted, the share is of their estimated time", () => {
    const claims = { unit: "claims", total: 4, fields: ["claim"], shareOf: "the estimated time" };
    const { progress, lines, clock } = plain(claims);
    const costs = [10, 30, 30, 30];
    let done = 0;
    costs.forEach((cost, i) => {
      progress.update(i, { claim: `Q${i + 1}` }, done / 100);
      clock.ms += cost * 1000;
      done += cost;
    });
    progress.update(4, { claim: "done" }, 1);
    expect(lines).toEqual([
      "[1/4 claims] 10% of the estimated time eta 90s claim Q2",
      "[2/4 claims] 40% of the estimated time eta 60s claim Q3",
      "[3/4 claims] 70% of the estimated time eta 30s claim Q4",
      "[4/4 claims] 100% of the estimated time eta 0s claim done",
    ]);
  });

  it("shows no ETA before a rate is measured", () => {
    const { progress, lines } = plain({ unit: "steps", total: 5, fields: [] });
    progress.update(1, {});
    expect(lines).toEqual(["[1/5 steps] 20% eta -"]);
  });
});

describe("rnnlab train off a terminal (the tests' stderr is not a TTY)", () => {
  const scratch = mkdtempSync(join(tmpdir(), "rnnlab-progress-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const text = join(scratch, "text.txt");
  writeFileSync(text, readFileSync("data/tinyshakespeare.txt", "utf8").slice(0, 20_000));
  const small = ["--data", text, "--hidden", "8", "--embedding", "4", "--seq-len", "8", "--batch", "4"];

  it("--steps 40: a line at each tenth counting steps out of 40, rising, one of them 100%", () => {
    const r = rnnlab(["train", ...small, "--steps", "40", "--eval-every", "20", "--out", join(scratch, "a")]);
    expect(r.status, r.stderr).toBe(0);
    const progress = r.stderr.split("\n").filter((line) => line.startsWith("["));
    expect(progress).toHaveLength(10);
    for (const line of progress) expect(line).toMatch(/^\[\d+\/40 steps\] \d+% eta (\d+s|-) loss /);
    const steps = progress.map((line) => Number(line.slice(1, line.indexOf("/"))));
    expect(steps).toEqual([4, 8, 12, 16, 20, 24, 28, 32, 36, 40]);
    expect(progress.filter((line) => line.includes(" 100% "))).toHaveLength(1);
  });
});
