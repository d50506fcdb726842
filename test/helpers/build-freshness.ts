import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

// Tests run the built dist/ (the CLI, DataParallel's workers, the README example) while vitest runs
// the TypeScript sources: a source edited after the last build would be tested in two versions at once.

/** The folders tsconfig.build.json compiles into dist/ (its "include"). */
export function builtFolders(root: string): string[] {
  return JSON.parse(readFileSync(join(root, "tsconfig.build.json"), "utf8")).include;
}

/** The .ts sources under `folders` of `root` (not .d.ts) whose .js in `outDir` is missing or older
 *  than they are, as paths relative to root. */
export function staleSources(root: string, folders: string[], outDir = "dist"): string[] {
  const stale: string[] = [];
  for (const source of folders.flatMap((folder) => typeScriptFiles(root, folder))) {
    const built = join(root, outDir, source.replace(/\.ts$/, ".js"));
    if (!existsSync(built) || statSync(built).mtimeMs < statSync(join(root, source)).mtimeMs)
      stale.push(source);
  }
  return stale;
}

function typeScriptFiles(root: string, folder: string): string[] {
  if (!existsSync(join(root, folder))) return [];
  return readdirSync(join(root, folder), { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts"))
    .map((name) => join(folder, name));
}

/** One line for a test run over stale sources (of `root`), or null when dist/ is up to date. */
export function staleBuildMessage(root: string, stale: string[], outDir = "dist"): string | null {
  if (stale.length === 0) return null;
  const more = stale.length > 1 ? ` and ${stale.length - 1} more` : "";
  const state = existsSync(join(root, outDir)) ? `is older than ${stale[0]}${more}` : "is missing";
  return `${outDir}/ ${state}, and the tests run ${outDir}/: run npm run build`;
}
