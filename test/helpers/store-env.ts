import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Every rnnlab command the tests run records into a store of this test run's own (RNNLAB_STORE, which
// the commands' --store defaults to), not into the checkout's runs/store.sqlite.
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), "rnnlab-test-store-"));
  process.env.RNNLAB_STORE = join(dir, "store.sqlite");
  return () => rmSync(dir, { recursive: true, force: true });
}
