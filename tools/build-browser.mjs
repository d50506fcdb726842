// Builds dist/browser/rnnlab.js: one ES module for a page's <script type="module"> (no bundler),
// with rnnlab's API and rnnlab/kernels' switches (which kernel build runs), every dependency
// bundled, minified, with its source map. Any warning fails the build: the core imports nothing
// from Node, so a warning about a Node built-in means that has changed.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const result = await build({
  stdin: {
    contents: 'export * from "./src/index.ts";\nexport * from "./src/kernels/index.ts";\n',
    resolveDir: root,
    sourcefile: "rnnlab-browser.ts",
    loader: "ts",
  },
  bundle: true,
  platform: "browser",
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: true,
  outfile: join(root, "dist/browser/rnnlab.js"),
  logLevel: "warning", // prints warnings and errors as esbuild words them
});
if (result.warnings.length > 0) {
  process.stderr.write(
    `build-browser: ${result.warnings.length} warning(s) above; the browser module must build clean\n`,
  );
  process.exit(1);
}
