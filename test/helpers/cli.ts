import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// Runs the built command (dist/, made by `npm run build`, which `npm test` runs first).

const entry = "dist/cli/main.js";

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function rnnlab(args: string[], options: { cwd?: string } = {}): CliResult {
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  const result = spawnSync(process.execPath, [`${process.cwd()}/${entry}`, ...args], {
    cwd: options.cwd ?? process.cwd(),
    encoding: "utf8",
    env: { ...process.env, FORCE_COLOR: "0" },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Flags for a run that takes a second or two: the first 20,000 characters of the bundled text
 *  (written into `folder`), H 16, E 8, T 16, B 4, and a constant lr: the tests resume these runs
 *  past their first --steps, where the default cosine ends (`{ constantLr: false }`: the default). */
export function smallTrainFlags(folder: string, { constantLr = true } = {}): string[] {
  const text = join(folder, "text.txt");
  writeFileSync(text, readFileSync("data/tinyshakespeare.txt", "utf8").slice(0, 20_000));
  const schedule = constantLr ? ["--lr-schedule", "constant"] : [];
  return [
    "--data",
    text,
    "--hidden",
    "16",
    "--embedding",
    "8",
    "--seq-len",
    "16",
    "--batch",
    "4",
    ...schedule,
  ];
}
