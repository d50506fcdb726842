// The sources the report pages inline (src/report): d3's and Observable Plot's UMD bundles, read from
// the installed packages, so report.html opens from disk without a network.

import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { ReportAssets } from "../src/report/index.js";
import { UserError } from "./errors.js";

const require = createRequire(import.meta.url);

/**
 * The absolute path of `file` inside installed package `pkg`. Tries the subpath itself, then the
 * package's package.json (either may be hidden by the "exports" field), then walks up from the
 * package's main entry to the directory whose package.json names it.
 */
export function resolvePackageFile(pkg: string, file: string): string {
  for (const attempt of [
    () => require.resolve(`${pkg}/${file}`),
    () => join(dirname(require.resolve(`${pkg}/package.json`)), file),
    () => join(packageRoot(pkg, require.resolve(pkg)), file),
  ]) {
    try {
      const path = attempt();
      if (existsSync(path)) return path;
    } catch {
      // not exported, or not resolvable this way: try the next
    }
  }
  throw new UserError(`cannot find ${pkg}/${file}: is ${pkg} installed? (run npm ci)`);
}

function packageRoot(pkg: string, entry: string): string {
  for (let dir = dirname(entry); ; ) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name === pkg) return dir;
      } catch {
        // an unreadable package.json: keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json of ${pkg} above ${entry}`);
    dir = parent;
  }
}

let cached: ReportAssets | undefined;

/** d3 7's and Observable Plot 0.6's minified UMD bundles (read once per process). */
export function loadReportAssets(): ReportAssets {
  cached ??= {
    d3: readFileSync(resolvePackageFile("d3", "dist/d3.min.js"), "utf8"),
    plot: readFileSync(resolvePackageFile("@observablehq/plot", "dist/plot.umd.min.js"), "utf8"),
  };
  return cached;
}
