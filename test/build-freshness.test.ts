import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { builtFolders, staleBuildMessage, staleSources } from "./helpers/build-freshness.js";

// The check vitest's globalSetup makes before any test runs (test/helpers/check-build.ts).

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "rnnlab-freshness-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Writes root/path with its modification time at `seconds` since the epoch. */
function file(path: string, seconds: number): void {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, "");
  utimesSync(full, seconds, seconds);
}

describe("staleSources (is dist/ older than the sources?)", () => {
  it("is empty when every source's .js is as new or newer; .d.ts and other files do not count", () => {
    file("src/a.ts", 100);
    file("src/deep/b.ts", 100);
    file("src/types.d.ts", 500);
    file("src/notes.md", 500);
    file("dist/src/a.js", 100);
    file("dist/src/deep/b.js", 200);
    expect(staleSources(root, ["src"])).toEqual([]);
  });

  it("names a source edited after its build, and one never built, in each folder given", () => {
    file("src/a.ts", 300);
    file("dist/src/a.js", 200);
    file("cli/new.ts", 100);
    file("node/ok.ts", 100);
    file("dist/node/ok.js", 100);
    expect(staleSources(root, ["src", "cli", "node", "lab"]).sort()).toEqual(["cli/new.ts", "src/a.ts"]);
  });

  it("names every source when there is no dist/ at all", () => {
    file("src/a.ts", 100);
    expect(staleSources(root, ["src"])).toEqual(["src/a.ts"]);
  });
});

describe("staleBuildMessage", () => {
  it("is one line naming the first stale source and how many more, ending in the command to run", () => {
    file("dist/src/a.js", 100);
    expect(staleBuildMessage(root, ["src/a.ts", "cli/b.ts", "cli/c.ts"])).toBe(
      "dist/ is older than src/a.ts and 2 more, and the tests run dist/: run npm run build",
    );
    expect(staleBuildMessage(root, ["src/a.ts"])).toBe(
      "dist/ is older than src/a.ts, and the tests run dist/: run npm run build",
    );
    expect(staleBuildMessage(root, [])).toBeNull();
  });

  it("says dist/ is missing when there is none", () => {
    expect(staleBuildMessage(root, ["src/a.ts"])).toBe(
      "dist/ is missing, and the tests run dist/: run npm run build",
    );
  });
});

describe("builtFolders", () => {
  it("are the folders tsconfig.build.json compiles, the library's and the CLI's among them", () => {
    expect(builtFolders(process.cwd())).toEqual(expect.arrayContaining(["src", "cli", "node"]));
  });
});
