import type { TokenBatch } from "../data/windows.js";
import type { Batch, SequenceModel, Targets } from "../model/sequence-model.js";
import type { RunConfig } from "../train/run-config.js";
import { fitSchedule, fittedSteps, medianMs, needsFitting, type Pace } from "../train/schedule-fit.js";
import { evaluate } from "../train/trainer.js";

// Fitting a run's cosine or onecycle schedule to its minutes (src/train/schedule-fit.ts), as
// `rnnlab train` and a web worker's run do before their first step.

/** This machine's pace on the run: a step's loss and gradient on the first validation batch (no
 *  update, so the run's state is as it was), and an evaluation: valBatches forward passes. */
export function measurePace(
  model: SequenceModel,
  lossAndGrad: (batch: Batch, targets: Targets) => unknown,
  valSet: readonly TokenBatch[],
  now: () => number,
): Pace {
  const first = valSet[0];
  const msPerStep = medianMs(
    () => lossAndGrad({ T: first.T, B: first.B, tokens: first.tokens }, { classes: first.classes }),
    now,
  );
  const msPerForward = medianMs(() => evaluate(model, [first]), now);
  return { msPerStep, msPerEval: msPerForward * valSet.length };
}

/** The run's spec with its schedule fitted to what is left of its minutes once the pace is
 *  measured (`remainingMs()`), if it needs it; the pace measured (null when it did not).
 *  `evaluations`: whether the minutes also pay for the periodic evaluations (the CLI's wall clock)
 *  or only for the steps (a web worker's). */
export function fitToMinutes<S extends RunConfig>(
  spec: S,
  remainingMs: () => number,
  measure: () => Pace,
  evaluations: boolean,
): { spec: S; pace: Pace | null } {
  if (!needsFitting(spec)) return { spec, pace: null };
  const pace = measure();
  const paid = evaluations ? pace : { ...pace, msPerEval: 0 };
  return { spec: fitSchedule(spec, fittedSteps(remainingMs(), paid, spec.evalEvery)), pace };
}
