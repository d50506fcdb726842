// The Lab view's worker: each request runs one claim's quick experiment (seed 1, as `rnnlab lab
// --quick`) and answers with its result or a one-line error. It starts by posting the catalogue.
import { experiments } from "../../lab/claims.ts";
import { createLabContext } from "../../lab/context.ts";
import { QUESTIONS, TONE } from "../../lab/report.ts";
import type { LabContext } from "../../lab/types.ts";
import type { LabReply, RunRequest } from "./lab-protocol.ts";

/** Progress lines closer together than this are dropped: some experiments report every step. */
const PROGRESS_MS = 50;

const scope = self as unknown as {
  postMessage(reply: LabReply): void;
  addEventListener(type: "message", listener: (event: MessageEvent<RunRequest>) => void): void;
};

let current = "";
let lastProgress = Number.NEGATIVE_INFINITY;
let corpus: Promise<string> | null = null;
/** The context of the run through every claim: computations shared by claims are made once. */
let sharedContext: LabContext | null = null;

const oneLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split("\n")[0];

function loadCorpus(url: string): Promise<string | Error> {
  corpus ??= fetch(url).then((response) => {
    if (!response.ok) throw new Error(`could not load the bundled text (HTTP ${response.status})`);
    return response.text();
  });
  return corpus.catch((error: unknown) => {
    corpus = null; // the next claim that needs it tries again
    return new Error(oneLine(error));
  });
}

function newContext(text: string | Error): LabContext {
  return createLabContext({
    quick: true,
    seed: 1,
    corpus: () => {
      if (text instanceof Error) throw text;
      return text;
    },
    progress: (message) => {
      const now = performance.now();
      if (now - lastProgress < PROGRESS_MS) return;
      lastProgress = now;
      scope.postMessage({ type: "progress", id: current, message });
    },
  });
}

async function run(request: RunRequest): Promise<LabReply> {
  const experiment = experiments.find((e) => e.id === request.id);
  if (experiment === undefined)
    return { type: "failed", id: request.id, message: `no claim '${request.id}'` };
  const text = await loadCorpus(request.corpusUrl);
  const ctx = request.fresh || sharedContext === null ? newContext(text) : sharedContext;
  if (!request.fresh && !(text instanceof Error)) sharedContext = ctx;
  current = request.id;
  lastProgress = Number.NEGATIVE_INFINITY;
  ctx.progress(`${experiment.id}: ${experiment.title}`);
  const started = performance.now();
  try {
    const { data: _data, ...result } = experiment.run(ctx);
    return { type: "done", id: request.id, result, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    return { type: "failed", id: request.id, message: oneLine(error) };
  }
}

scope.addEventListener("message", async (event) => {
  const reply = await run(event.data);
  try {
    scope.postMessage(reply);
  } catch (error) {
    scope.postMessage({
      type: "failed",
      id: event.data.id,
      message: `the result could not be sent: ${oneLine(error)}`,
    });
  }
});

scope.postMessage({
  type: "catalogue",
  claims: experiments.map(({ id, question, title, claim, cost }) => ({ id, question, title, claim, cost })),
  questions: QUESTIONS,
  tones: TONE,
});
