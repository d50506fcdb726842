import { readFileSync } from "node:fs";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// Every entry point of package.json "exports", its names and their kinds, pinned: a change to the
// public API shows up here as a snapshot diff, to be accepted deliberately (npx vitest -u).

const exportsField: Record<string, { default: string; node?: string }> = JSON.parse(
  readFileSync("package.json", "utf8"),
).exports;
/** dist/src/index.js → src/index.ts */
const sourceOf = (built: string) => built.replace(/^\.\/dist\//, "").replace(/\.js$/, ".ts");
/** ["rnnlab/model", "src/model/index.ts"], … */
const entries = Object.entries(exportsField).map(
  ([subpath, target]) => [`rnnlab${subpath.slice(1)}`, sourceOf(target.default)] as const,
);
/** ["rnnlab", "node/main.ts", "src/index.ts"]: an entry's file for Node, and the file it must mirror. */
const nodeEntries = Object.entries(exportsField).flatMap(([subpath, target]) =>
  target.node
    ? [[`rnnlab${subpath.slice(1)}`, sourceOf(target.node), sourceOf(target.default)] as const]
    : [],
);
const entryFiles = [...entries.map(([, file]) => file), ...nodeEntries.map(([, file]) => file)];

const program = ts.createProgram(entryFiles, {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  noEmit: true,
});
const checker = program.getTypeChecker();

/** "name: kind" for each export, sorted; kind is value (class, function, const) or type. */
function exportList(file: string): string[] {
  const source = program.getSourceFile(file);
  if (!source) throw new Error(`${file} is not in the program`);
  const module = checker.getSymbolAtLocation(source);
  if (!module) throw new Error(`${file} has no exports`);
  return checker
    .getExportsOfModule(module)
    .map((symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      return `${symbol.name}: ${typeOnly(symbol) ? "type" : kindOf(target)}`;
    })
    .sort();
}

/** `export type { X }` or `export { type X }`: no runtime name, whatever X is. */
function typeOnly(symbol: ts.Symbol): boolean {
  return (symbol.declarations ?? []).some(
    (d) => ts.isExportSpecifier(d) && (d.isTypeOnly || d.parent.parent.isTypeOnly),
  );
}

function kindOf(symbol: ts.Symbol): string {
  const f = symbol.flags;
  if (f & ts.SymbolFlags.Class) return "class";
  if (f & ts.SymbolFlags.Function) return "function";
  if (f & ts.SymbolFlags.Variable) return "const";
  return "type";
}

describe("the public API", () => {
  it.each(entries)("%s (%s) exports exactly the pinned names", (_, file) => {
    expect(exportList(file)).toMatchSnapshot();
  });

  it.each(nodeEntries)("%s under Node (%s) exports the same names as %s", (_, nodeFile, file) => {
    expect(exportList(nodeFile)).toEqual(exportList(file));
  });

  it('"rnnlab" has at most 60 runtime names and no `export *`', async () => {
    const api = await import("../src/index.js");
    expect(Object.keys(api).length).toBeLessThanOrEqual(60);
    // A Node mirror (node/main.ts) re-exports its pinned file whole; the pinned files list every name.
    for (const [, file] of entries) expect(readFileSync(file, "utf8"), file).not.toMatch(/export \* from/);
  });

  it("the runtime names match the checker's value exports", async () => {
    const api = await import("../src/index.js");
    const values = exportList("src/index.ts")
      .filter((line) => !line.endsWith(": type"))
      .map((line) => line.split(":")[0]);
    expect(Object.keys(api).sort()).toEqual(values);
  });
});
