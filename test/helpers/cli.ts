import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

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
