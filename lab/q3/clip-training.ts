// Training in the exploding setting, where unclipped SGD diverges: tanh RNNs with ‖W‖₂ = 3 trained by
// plain SGD at a high learning rate on the adding problem, once per clipping rule and seed; and the
// comparison of two rules by their failures and test losses.

import { ConfigError, createOptimizer } from "../../src/index.js";
import { median } from "../gradients/linalg.js";
import { type ClipRule, evaluateRegression, trainLoop } from "../gradients/train-loop.js";
import { ADDING_BASELINE_MSE, addingBatch } from "../../src/tasks/index.js";
import type { LabContext } from "../types.js";
import { type ClipKind, EXPLODING_NORM, explodingModel, THRESHOLD } from "./clip-gradients.js";

/** A run diverges when its loss or gradient stops being finite or its loss exceeds this many times
 *  its first; it fails when it diverges or ends with a test MSE above FAIL_FACTOR × the mean
 *  predictor's. */
export const DIVERGE_FACTOR = 1e3;
export const FAIL_FACTOR = 10;
/** One rule trains "better" than another with fewer failures, or as many and a median test loss
 *  lower by at least this fraction. */
export const LOSS_MARGIN = 0.1;

/** None, norm at THRESHOLD, value at THRESHOLD (the same number), and value at THRESHOLD/√n (which
 *  bounds the clipped gradient's norm by THRESHOLD, as norm clipping does). */
export type RuleName = "none" | "norm" | "value" | "value/sqrt(n)";
export const RULES: readonly RuleName[] = ["none", "norm", "value", "value/sqrt(n)"];

/** A rule's name for the lab's text, its formula in TeX: "value/$\sqrt{n}$". */
export const ruleTex = (rule: RuleName): string => (rule === "value/sqrt(n)" ? "value/$\\sqrt{n}$" : rule);

export interface ClipRun {
  diverged: boolean;
  /** MSE on fresh sequences; null when the run diverged. */
  testLoss: number | null;
  /** Training loss at every step until it stopped. */
  losses: number[];
}

export interface RuleOutcome {
  rule: RuleName;
  /** null for "none". */
  threshold: number | null;
  runs: ClipRun[];
}

export interface ClipTrainingSetup {
  steps: number;
  seeds: number;
  lr: number;
  /** Adding-problem length, hidden size and parameter count. */
  T: number;
  H: number;
  n: number;
  explodingNorm: number;
  testSize: number;
}

export interface ClipTraining {
  setup: ClipTrainingSetup;
  outcomes: RuleOutcome[];
}

const LR = 0.2;
const TRAIN_T = 10;
const TRAIN_H = 32;
const BATCH = 16;
const TEST_SIZE = 500;

function ruleFor(name: RuleName, n: number): ClipRule {
  if (name === "none") return { kind: "none" };
  if (name === "norm") return { kind: "norm", threshold: THRESHOLD };
  if (name === "value") return { kind: "value", threshold: THRESHOLD };
  return { kind: "value", threshold: THRESHOLD / Math.sqrt(n) };
}

function trainOnce(
  ctx: LabContext,
  rule: RuleName,
  seed: number,
  steps: number,
): ClipRun & { clip: ClipRule } {
  const model = explodingModel(TRAIN_H, 100 + seed, ctx);
  const clip = ruleFor(rule, model.params.data.length);
  const optimizer = createOptimizer({ name: "sgd", lr: LR }, model);
  const data = ctx.rng(`q3-clip-data-${seed}`);
  const run = trainLoop(model, optimizer, clip, steps, () => addingBatch(data, TRAIN_T, BATCH));
  const first = run.losses[0] ?? Number.NaN;
  const diverged = run.divergedAt !== null || run.losses.some((l) => l > DIVERGE_FACTOR * first);
  const testLoss = diverged
    ? null
    : evaluateRegression(model, addingBatch(ctx.rng(`q3-clip-test-${seed}`), TRAIN_T, TEST_SIZE));
  return { diverged, testLoss, losses: run.losses, clip };
}

/** Every rule over the same seeds (the same initial nets and batches); shared. */
export function clipTraining(ctx: LabContext): ClipTraining {
  return ctx.shared("q3:clip-training", () => {
    const steps = ctx.quick ? 300 : 600;
    const seeds = ctx.quick ? 2 : 5;
    const n = explodingModel(TRAIN_H, 100, ctx).params.data.length;
    const outcomes = RULES.map((rule): RuleOutcome => {
      ctx.progress(`Q3.clip: training with clipping rule ${rule}`);
      const runs = Array.from({ length: seeds }, (_, seed) => trainOnce(ctx, rule, seed, steps));
      const clip = runs[0].clip;
      return {
        rule,
        threshold: clip.kind === "none" ? null : clip.threshold,
        runs: runs.map(({ diverged, testLoss, losses }) => ({ diverged, testLoss, losses })),
      };
    });
    const setup = {
      steps,
      seeds,
      lr: LR,
      T: TRAIN_T,
      H: TRAIN_H,
      n,
      explodingNorm: EXPLODING_NORM,
      testSize: TEST_SIZE,
    };
    return { setup, outcomes };
  });
}

export function divergences(outcome: RuleOutcome): number {
  return outcome.runs.filter((r) => r.diverged).length;
}

export function failed(run: ClipRun): boolean {
  return run.testLoss === null || !(run.testLoss <= FAIL_FACTOR * ADDING_BASELINE_MSE);
}

export function failures(outcome: RuleOutcome): number {
  return outcome.runs.filter(failed).length;
}

/** Median of the finite test MSEs (NaN when every run diverged). */
export function medianTestLoss(outcome: RuleOutcome): number {
  const losses = outcome.runs.flatMap((r) =>
    r.testLoss !== null && Number.isFinite(r.testLoss) ? [r.testLoss] : [],
  );
  return losses.length ? median(losses) : Number.NaN;
}

/** Whether rule a trains better than rule b: fewer failures, or as many and a median test loss
 *  lower by at least LOSS_MARGIN. */
export function better(a: RuleOutcome, b: RuleOutcome): boolean {
  const [fa, fb] = [failures(a), failures(b)];
  if (fa !== fb) return fa < fb;
  const [la, lb] = [medianTestLoss(a), medianTestLoss(b)];
  return Number.isFinite(la) && (!Number.isFinite(lb) || la < (1 - LOSS_MARGIN) * lb);
}

/** The rules that clip by `kind`: norm, or value at either threshold. */
export function outcomesOf(training: ClipTraining, kind: ClipKind): RuleOutcome[] {
  return training.outcomes.filter((o) =>
    kind === "norm" ? o.rule === "norm" : o.rule === "value" || o.rule === "value/sqrt(n)",
  );
}

export function outcome(training: ClipTraining, rule: RuleName): RuleOutcome {
  const found = training.outcomes.find((o) => o.rule === rule);
  if (!found)
    throw new ConfigError(`no training outcome for rule ${rule} in the data: measure with every rule`);
  return found;
}
