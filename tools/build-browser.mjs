// Builds the prebuilt ES modules for pages with no bundler, each with its dependencies bundled,
// minified, with its source map:
//   dist/browser/rnnlab.js           rnnlab's API, rnnlab/kernels' switches and rnnlab/worker's
//   dist/browser/training-worker.js  a training worker: new Worker(url, { type: "module" }); it
//                                    starts its thread workers from itself
//   dist/browser/client.js           rnnlab/client alone (TrainingClient), for the page
// Any warning fails the build: the core imports nothing from Node, so a warning about a Node
// built-in means that has changed.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const modules = {
  "rnnlab.js": [
    'export * from "./src/index.ts";',
    'export * from "./src/kernels/index.ts";',
    'export * from "./src/worker/index.ts";',
  ],
  "training-worker.js": ['import { serveTraining } from "./src/worker/host.ts";', "serveTraining();"],
  "client.js": ['export * from "./src/worker/client-entry.ts";'],
};

let warnings = 0;
for (const [file, lines] of Object.entries(modules)) {
  const result = await build({
    stdin: {
      contents: `${lines.join("\n")}\n`,
      resolveDir: root,
      sourcefile: file.replace(".js", ".ts"),
      loader: "ts",
    },
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    minify: true,
    sourcemap: true,
    outfile: join(root, "dist/browser", file),
    logLevel: "warning", // prints warnings and errors as esbuild words them
  });
  warnings += result.warnings.length;
}
if (warnings > 0) {
  process.stderr.write(`build-browser: ${warnings} warning(s) above; the browser modules must build clean\n`);
  process.exit(1);
}
