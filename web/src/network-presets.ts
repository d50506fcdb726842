import { checkExhaustive, DECISION_THRESHOLD } from "../../lab/wired/check.js";
import type { WiredNet, WiredRun } from "../../lab/wired/net.js";
import {
  Q1_SEED,
  Q5A_CORRECTED,
  Q5A_SEED,
  Q5B_CORRECTED_HIDDEN,
  Q5B_SEED_HIDDEN,
  Q5B_SEED_OUTPUT,
  q1Network,
  q5aNetwork,
  q5bNetwork,
} from "../../lab/wired/networks.js";
import { type BinaryTask, SEQUENCE_AND, SEQUENCE_EQUAL, taskTargets } from "../../lab/wired/tasks.js";
import {
  checkQ1,
  judgeQ1Step,
  type Q1Claim,
  Q1_CORRECTED_CLAIM,
  Q1_SEED_CLAIM,
  q1Verdict,
} from "./network-q1.js";
import type { SequenceFormat } from "./network-sequence.js";

// The network view's presets: the seed's hand-wired networks (Q1, Q5a, Q5b), as the seed wrote them
// and corrected, each with the check that judges it after every edit.

export interface CheckReport {
  /** Starts with "correct" or "counterexample". */
  verdict: string;
  /** The counterexample's inputs x_1..x_T, to show in the graph. */
  counterexample: number[][] | null;
}

/** What the check wants at one step, and which of the network's units miss it there. */
export interface StepJudgement {
  wantOutput: number;
  /** Q1 only: the wanted h_t of its one hidden unit. */
  wantHidden: number | null;
  wrongOutput: boolean;
  wrongHidden: boolean;
}

export interface NetworkCheck {
  format: SequenceFormat;
  /** What is checked, in one sentence. */
  description: string;
  run(net: WiredNet, maxLength: number): CheckReport;
  judgeSteps(net: WiredNet, inputs: number[][], run: WiredRun): StepJudgement[];
}

export interface Preset {
  title: string;
  net: () => WiredNet;
  check: NetworkCheck;
  /** The input sequence shown at first, as typed. */
  example: string;
}

/** A binary task's exhaustive check: every y_t of every sequence up to maxLength (lab/wired/check.ts). */
function binaryCheck(task: BinaryTask): NetworkCheck {
  return {
    format: task.inputSize === 1 ? "bits" : "pairs",
    description: `Task: ${task.description}.`,
    run(net, n) {
      const report = checkExhaustive(net, task, n);
      const total = report.totalByLength.reduce((a, b) => a + b, 0).toLocaleString("en-US");
      const c = report.counterexample;
      if (c === null)
        return { verdict: `correct on all ${total} input sequences up to length ${n}`, counterexample: null };
      const wrong = `${report.wrong.toLocaleString("en-US")} of ${report.outputs.toLocaleString("en-US")} outputs wrong`;
      return {
        verdict: `counterexample: ${c.text} gives y = ${c.got} at its last step, where the task wants ${c.expected} (${wrong})`,
        counterexample: c.inputs,
      };
    },
    judgeSteps(_net, inputs, run) {
      const targets = taskTargets(task, inputs);
      return targets.map((want, t) => ({
        wantOutput: want,
        wantHidden: null,
        wrongOutput: (run.outputs[t][0] >= DECISION_THRESHOLD ? 1 : 0) !== want,
        wrongHidden: false,
      }));
    },
  };
}

function q1Check(claim: Q1Claim, whose: string): NetworkCheck {
  return {
    format: "digits",
    description: `Checked against ${whose} closed forms of h_T and y_T on every digit sequence.`,
    run(net, n) {
      const report = checkQ1(net, claim, n);
      const m = report.first;
      return { verdict: q1Verdict(report, claim), counterexample: m ? m.digits.map((x) => [x]) : null };
    },
    judgeSteps(net, inputs, run) {
      const h0 = net.layers[0].initial[0];
      return inputs.map((_, t) => {
        const x = inputs.slice(0, t + 1).map((v) => v[0]);
        const step = judgeQ1Step(claim, x, h0, run.states[0][t + 1][0], run.outputs[t][0]);
        return {
          wantOutput: step.wantY,
          wantHidden: step.wantH,
          wrongOutput: step.wrongY,
          wrongHidden: step.wrongH,
        };
      });
    },
  };
}

export const presets: Record<string, Preset> = {
  "q1-seed": {
    title: "Q1 as the seed wrote it",
    net: () => q1Network(Q1_SEED, "Q1"),
    check: q1Check(Q1_SEED_CLAIM, "the seed's"),
    example: "1201",
  },
  "q1-corrected": {
    title: "Q1 corrected",
    net: () => q1Network(Q1_SEED, "Q1"),
    check: q1Check(Q1_CORRECTED_CLAIM, "the lab's corrected"),
    example: "1201",
  },
  "q5a-seed": {
    title: "Q5a as the seed wrote it",
    net: () => q5aNetwork(Q5A_SEED),
    check: binaryCheck(SEQUENCE_AND),
    example: "1101",
  },
  "q5a-corrected": {
    title: "Q5a corrected",
    net: () => q5aNetwork(Q5A_CORRECTED, "Q5a (corrected)"),
    check: binaryCheck(SEQUENCE_AND),
    example: "1101",
  },
  "q5b-seed": {
    title: "Q5b as the seed wrote it",
    net: () => q5bNetwork(Q5B_SEED_HIDDEN, Q5B_SEED_OUTPUT),
    check: binaryCheck(SEQUENCE_EQUAL),
    example: "11 00 10",
  },
  "q5b-corrected": {
    title: "Q5b corrected",
    net: () => q5bNetwork(Q5B_CORRECTED_HIDDEN, Q5B_SEED_OUTPUT, "Q5b (corrected)"),
    check: binaryCheck(SEQUENCE_EQUAL),
    example: "11 00 10",
  },
};

export const DEFAULT_PRESET = "q5b-seed";
