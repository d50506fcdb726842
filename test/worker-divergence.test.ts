import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { NumericError } from "../src/errors.js";
import { TrainingSession } from "../src/worker/session.js";

// The worker's text run carries rnnlab train's divergence guard: a run whose lr makes it diverge
// stops with one NumericError saying why (the worker's loop posts it to the page as an error and
// stops the run), and a sane run is untouched.

const noThreads = { spawn: null, maxThreads: 1, unavailable: null };
const text = readFileSync("data/tinyshakespeare.txt", "utf8").slice(0, 20_000);

async function session(lr: number) {
  const config = {
    data: { text },
    model: { hiddenSize: 16 },
    optimizer: { name: "sgd" as const, lr },
    clip: null,
    ...{ seqLen: 16, batch: 4, steps: 200 },
  };
  return TrainingSession.create(config, { threads: 1 }, noThreads);
}

describe("the worker's divergence guard", () => {
  it("an lr of 1e6 stops the run with one line naming the step and the reason", async () => {
    const run = await session(1e6);
    let caught: unknown = null;
    let steps = 0;
    try {
      while (!run.finished()) {
        run.step();
        steps++;
      }
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NumericError);
    const message = (caught as Error).message;
    expect(message).toMatch(/^the run diverged at step \d+: .+; .*lower the learning rate/);
    expect(message.split("\n")).toHaveLength(1);
    expect(steps).toBeLessThan(200);
  });

  it("an lr of 0.1 trains its 200 steps", async () => {
    const run = await session(0.1);
    while (!run.finished()) expect(Number.isFinite(run.step().loss)).toBe(true);
    expect(run.steps()).toBe(200);
  });
});
