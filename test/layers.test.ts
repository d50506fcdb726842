import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";

// The layers, lowest first: a file may import its own layer or a lower one, never a higher one.
// The lab, the CLI and the benchmarks sit on top; the lab reaches the library only through the
// entry points a user has (package.json "exports").

const LAYERS: [number, RegExp][] = [
  [0, /^src\/(errors|tensor|random|utf8)\.ts$|^src\/kernels\//],
  [1, /^src\/cells\//],
  [2, /^src\/(model|data|tasks)\//],
  [3, /^src\/(train|eval|parallel|gpu)\//],
  [4, /^src\/(io|report|parity|run|worker|fit)\//],
  [5, /^src\/index\.ts$|^node\//],
  [6, /^(lab|cli|bench)\//],
];
const NAMES = [
  "kernels",
  "cells",
  "model/data/tasks",
  "train/eval/parallel/gpu",
  "io/report/parity/run/worker/fit",
  "entry points",
  "lab/cli/bench",
];

const ENTRY_POINTS = new Set([
  "src/index.ts",
  "src/model/index.ts",
  "src/kernels/index.ts",
  "src/report/index.ts",
  "src/parity/index.ts",
  "src/worker/index.ts",
  "src/tasks/index.ts",
  "src/fit/index.ts",
  "src/gpu/index.ts",
  "src/worker/client-entry.ts",
  "node/index.ts",
]);

function layerOf(file: string): number {
  const found = LAYERS.find(([, pattern]) => pattern.test(file));
  if (!found) throw new Error(`${file} is in no layer: add it to LAYERS in test/layers.test.ts`);
  return found[0];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

/** The project's TypeScript files a file imports (relative specifiers, .js mapped back to .ts;
 *  an import that resolves to no file is tsc's to report). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map((m) => m[1]);
  return specifiers
    .map((s) => normalize(join(dirname(file), s)).replace(/\.js$/, ".ts"))
    .filter((target) => target.endsWith(".ts") && existsSync(target));
}

const files = ["src", "node", "lab", "cli", "bench"].flatMap(sourceFiles);

describe("layer order", () => {
  it("every source file is in a layer", () => {
    for (const file of files) expect(() => layerOf(file), file).not.toThrow();
  });

  it("no file imports from a higher layer", () => {
    const upward = files.flatMap((file) =>
      importsOf(file)
        .filter((target) => layerOf(target) > layerOf(file))
        .map((target) => `${file} (${NAMES[layerOf(file)]}) → ${target} (${NAMES[layerOf(target)]})`),
    );
    expect(upward).toEqual([]);
  });

  it("the lab imports the library only through its entry points", () => {
    const deep = files
      .filter((file) => file.startsWith("lab/"))
      .flatMap((file) =>
        importsOf(file)
          .filter((target) => !target.startsWith("lab/") && !ENTRY_POINTS.has(target))
          .map((target) => `${file} → ${target}`),
      );
    expect(deep).toEqual([]);
  });

  it("layerOf places a file by its folder", () => {
    expect(layerOf("src/kernels/matmul.ts")).toBeLessThan(layerOf("src/cells/gru.ts"));
    expect(layerOf("src/model/stack.ts")).toBeLessThan(layerOf("src/train/trainer.ts"));
    expect(layerOf("src/io/checkpoint.ts")).toBeLessThan(layerOf("cli/main.ts"));
    expect(() => layerOf("elsewhere/x.ts")).toThrow(/in no layer/);
    expect(relative(".", "src/index.ts")).toBe("src/index.ts");
  });
});
