import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveTraining } from "../src/worker/host.js";
import { PROTOCOL_VERSION } from "../src/worker/protocol.js";

// The web worker's memory budget (src/worker/memory.ts): a run estimated over the browser's fixed
// 1 GiB is refused at start with one ConfigError line, posted to the page as the start's error,
// before its model is built: no "started" message, nothing allocated (a model of these sizes would
// need several GiB the moment it is built). Driven through serveTraining, the worker's own entry,
// with this process's global scope standing in for the worker's.

const text = readFileSync("data/tinyshakespeare.txt", "utf8").slice(0, 50_000);

type Posted = { type: string; id?: number; name?: string; message?: string };
const posted: Posted[] = [];
let deliver: (data: unknown) => void = () => {};
let waiting: (() => void) | null = null;

const scope = globalThis as unknown as Record<string, unknown>;
const saved = { postMessage: scope.postMessage, addEventListener: scope.addEventListener };
beforeAll(() => {
  scope.postMessage = (message: Posted) => {
    posted.push(message);
    waiting?.();
  };
  scope.addEventListener = (type: string, listener: (event: { data: unknown }) => void) => {
    if (type === "message") deliver = (data) => listener({ data });
  };
  serveTraining();
});
afterAll(() => {
  scope.postMessage = saved.postMessage;
  scope.addEventListener = saved.addEventListener;
});

/** Starts a run in the worker; resolves with the messages posted until its answer (error or started). */
async function start(id: number, config: Record<string, unknown>): Promise<Posted[]> {
  const from = posted.length;
  const answered = () => posted.slice(from).some((m) => m.id === id);
  deliver({ v: PROTOCOL_VERSION, type: "start", id, config, options: { threads: 1, paused: true } });
  while (!answered()) await new Promise<void>((resolve) => (waiting = resolve));
  return posted.slice(from);
}

const BUDGET_LINE =
  /^this run needs about [\d.]+ [GT]iB \(.+\), over the budget of 1\.0 GiB \(a browser's fixed 1\.0 GiB\): .+, or train a smaller model \(the browser's budget is fixed\)$/;

function expectRefused(messages: Posted[], id: number, fix: RegExp): void {
  expect(messages.map((m) => m.type)).not.toContain("started");
  const error = messages.find((m) => m.type === "error" && m.id === id);
  expect(error?.name).toBe("ConfigError");
  expect(error?.message).toMatch(BUDGET_LINE);
  expect(error?.message).toMatch(fix);
  expect(error?.message?.split("\n")).toHaveLength(1);
}

describe("the worker refuses a run over the browser's 1 GiB at start", () => {
  it("a text run whose activations are over it: names the batch that fits", async () => {
    const config = { data: { text }, model: { hiddenSize: 256 }, seqLen: 512, batch: 4096 };
    expectRefused(
      await start(1, config),
      1,
      /activations [\d.]+ GiB for seqLen 512 × batch 4096\), .*: use batch \d+ or less/,
    );
  });

  it("a text run whose model alone is over it (8 layers of 4096 units): nothing is built", async () => {
    const config = { data: { text }, model: { hiddenSize: 4096, layers: 8 }, seqLen: 32, batch: 4 };
    expectRefused(
      await start(2, config),
      2,
      /parameters, gradients and optimizer state .*: the model itself is too large/,
    );
  });

  it("a synthetic task's run over it", async () => {
    const config = { task: "parity", model: { hiddenSize: 512, layers: 4 }, seqLen: 1000, batch: 1024 };
    expectRefused(await start(3, config), 3, /use batch \d+ or less/);
  });

  it("a run under it starts", async () => {
    const config = { data: { text }, model: { hiddenSize: 16 }, seqLen: 16, batch: 4, steps: 1 };
    const messages = await start(4, config);
    expect(messages.find((m) => m.id === 4)?.type).toBe("started");
  });
});
