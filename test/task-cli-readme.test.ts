import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { rnnlab } from "./helpers/cli.js";

// The three task commands of README.md's "## Tasks" section, run as written (from a scratch folder,
// so their --out folders land there), each on its bundled data set: each must beat its baseline,
// in what it prints and in `rnnlab eval --json` on the run it wrote.

/** The `rnnlab train --task ...` lines of the first ```sh block under "## Tasks", comments cut. */
function readmeTaskCommands(): string[][] {
  const block = readFileSync("README.md", "utf8").match(/## Tasks[\s\S]*?```sh\n([\s\S]*?)```/)?.[1];
  if (block === undefined) throw new Error('README.md has no ```sh block under "## Tasks"');
  return block
    .split("\n")
    .map((line) => line.replace(/#.*$/, "").trim())
    .filter((line) => line.startsWith("rnnlab train --task"))
    .map((line) => line.split(/\s+/).slice(1));
}

const scratch = mkdtempSync(join(tmpdir(), "rnnlab-task-readme-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const commands = readmeTaskCommands();

describe("the README's task commands", () => {
  it("are one per task", () => {
    expect(commands.map((args) => args[args.indexOf("--task") + 1])).toEqual(["classify", "tag", "forecast"]);
  });

  it.each(commands.map((args) => [args[args.indexOf("--task") + 1], args] as const))(
    "%s trains on the bundled data and beats its baseline",
    (task, args) => {
      const r = rnnlab(args, { cwd: scratch });
      expect(r.stderr).not.toMatch(/rnnlab: /);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/: beats the .* baseline/);
      const out = join(scratch, args[args.indexOf("--out") + 1]);
      const scored = rnnlab(["eval", out, "--json"]);
      expect(scored.status).toBe(0);
      const { headline, metrics, baselines } = JSON.parse(scored.stdout) as {
        headline: { beats: boolean };
        metrics: Record<string, number>;
        baselines: Record<string, Record<string, number>>;
      };
      expect(headline.beats).toBe(true);
      if (task === "classify") expect(metrics.accuracy).toBeGreaterThan(baselines.majority.accuracy);
      if (task === "tag") {
        expect(metrics.accuracy).toBeGreaterThan(baselines["most frequent tag per token"].accuracy);
      }
      if (task === "forecast") {
        // MASE against the naive forecast: MAE over the naive forecast's MAE on the same points.
        expect(metrics.mae / baselines.naive.mae).toBeLessThan(1);
        expect(r.stdout).toMatch(/Hyndman's MASE/);
      }
    },
    120_000,
  );
});
