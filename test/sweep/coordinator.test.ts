import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RunStore } from "../../node/store/index.js";
import { markOrphanedTrials } from "../../cli/sweep/coordinator.js";

const scratch = mkdtempSync(join(tmpdir(), "rnnlab-coordinator-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The pid of a process that has ended. */
const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid as number;

describe("markOrphanedTrials(store, sweepId)", () => {
  it("marks killed the running trials whose coordinator on this machine is gone, wherever they ran", () => {
    const store = RunStore.open(join(scratch, "store.sqlite"));
    try {
      const trial = (key: string, coordinator: { host: string; pid: number }) =>
        store.startRun({
          kind: "trial",
          name: key,
          config: { params: {}, coordinator },
          sweepId: "s-1",
          trialKey: key,
          machine: "a-worker-elsewhere",
          pid: 1,
        });
      const orphan = trial("t1", { host: hostname(), pid: deadPid() });
      const alive = trial("t2", { host: hostname(), pid: process.pid });
      const remote = trial("t3", { host: "another-coordinator-host", pid: deadPid() });
      const done = trial("t4", { host: hostname(), pid: deadPid() });
      store.finishRun(done, { status: "finished" });
      markOrphanedTrials(store, "s-1");
      const status = (id: number) => store.getRun(id)?.status;
      expect([orphan, alive, remote, done].map(status)).toEqual(["killed", "running", "running", "finished"]);
      expect(store.getRun(orphan)?.error).toMatch(/coordinator ended/);
    } finally {
      store.close();
    }
  });
});
