// The rnnlab command line, which cli/main.ts imports once it has checked that the optional peer
// dependencies this file and the commands need (commander, cli-progress, d3, Observable Plot) are installed.

import { existsSync, readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { enableRelaxedSimd } from "../node/relaxed-simd.js";
import { RnnlabError } from "../src/errors.js";
import { UserError } from "./errors.js";

// Each command lives in cli/commands/<name>.ts and exports register(program); one line here adds it.
import * as importTorch from "./commands/import-torch.js";
import * as parity from "./commands/parity.js";
import * as evalCommand from "./commands/eval.js";
import * as lab from "./commands/lab.js";
import * as predict from "./commands/predict.js";
import * as probe from "./commands/probe.js";
import * as runs from "./commands/runs.js";
import * as sample from "./commands/sample.js";
import * as sweep from "./commands/sweep.js";
import * as train from "./commands/train.js";
import * as ui from "./commands/ui.js";
import * as worker from "./commands/worker.js";

// Before any product compiles the WebAssembly kernels: fused multiply-add on Node 20 too.
enableRelaxedSimd();

const program = new Command("rnnlab")
  .description("Recurrent neural networks you can build, run, see and check.")
  .version(packageVersion())
  .exitOverride()
  .showSuggestionAfterError(true)
  .configureOutput({ outputError: (text, write) => write(oneLine(text)) });

for (const command of [
  train,
  sample,
  predict,
  evalCommand,
  lab,
  probe,
  sweep,
  worker,
  runs,
  parity,
  importTorch,
  ui,
])
  command.register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportError(error);
}

/** The version in rnnlab's package.json: the nearest one above this file (dist/cli/ when built, cli/
 *  in the sources, node_modules/rnnlab/dist/cli/ when installed). */
function packageVersion(): string {
  for (let dir = new URL(".", import.meta.url); ; ) {
    const manifest = new URL("package.json", dir);
    if (existsSync(manifest)) {
      const { name, version } = JSON.parse(readFileSync(manifest, "utf8")) as {
        name?: unknown;
        version?: unknown;
      };
      if (name === "rnnlab" && typeof version === "string") return version;
    }
    const parent = new URL("..", dir);
    if (parent.href === dir.href) return "unknown";
    dir = parent;
  }
}

/** Commander's messages as one line, in rnnlab's voice: "rnnlab: unknown option '--x' (did you mean --y?)". */
function oneLine(text: string): string {
  const line = text
    .trim()
    .replace(/^error: /, "")
    .replace(/\s*\n\s*\(Did you mean/, " (did you mean")
    .replace(/\n+/g, " ");
  return `rnnlab: ${line}\n`;
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof UserError || error instanceof RnnlabError) {
    const code = error instanceof UserError ? error.exitCode : 2;
    process.stderr.write(`rnnlab: ${error.message}\n`);
    return code;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`rnnlab: ${message}\n`);
  return 1;
}
