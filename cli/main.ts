#!/usr/bin/env node
import { createRequire } from "node:module";

// The `rnnlab` command (package.json "bin"). The command line's packages are optional peer
// dependencies, which `npm install rnnlab` leaves out: check that they resolve from here, as the
// command's own imports will, and say in one line what to install, rather than crash on
// ERR_MODULE_NOT_FOUND. The command itself is cli/program.ts.

const PEERS = ["commander", "cli-progress", "d3", "@observablehq/plot", "node-sqlite3-wasm", "yaml"];

const missing = PEERS.filter((pkg) => !installed(pkg));
if (missing.length > 0) {
  process.stderr.write(`${missingMessage(missing)}\n`);
  process.exitCode = 1;
} else {
  await import("./program.js");
}

/** Whether `pkg` resolves from this file: its main entry ("exports" allows a require of d3 and Plot,
 *  which are ES modules, through "default"), else its package.json. */
function installed(pkg: string): boolean {
  const require = createRequire(import.meta.url);
  for (const request of [pkg, `${pkg}/package.json`]) {
    try {
      require.resolve(request);
      return true;
    } catch {
      // not resolvable this way: try the next
    }
  }
  return false;
}

/** "rnnlab: the command line needs d3 and @observablehq/plot, which … : npm install d3 @observablehq/plot". */
function missingMessage(missing: string[]): string {
  const names =
    missing.length === 1 ? missing[0] : `${missing.slice(0, -1).join(", ")} and ${missing.at(-1)}`;
  const which =
    missing.length === 1 ? "it is an optional peer dependency" : "they are optional peer dependencies";
  return `rnnlab: the command line needs ${names}, which a library install leaves out (${which}): npm install ${missing.join(" ")}`;
}
