import { builtFolders, staleBuildMessage, staleSources } from "./build-freshness.js";

/** Vitest's globalSetup: stops a run whose dist/ is older than the sources (npm test builds first),
 *  with one line and exit code 1 (a thrown error would print vitest's stack trace under it). */
export default function checkBuild(): void {
  const root = process.cwd();
  const message = staleBuildMessage(root, staleSources(root, builtFolders(root)));
  if (message === null) return;
  process.stderr.write(`${message}\n`);
  process.exit(1);
}
