import { TOLERANCE } from "../../lab/q1/compare.js";
import {
  type ClosedForm,
  evalClosedForm,
  evalOutputForm,
  closedFormTex,
  outputFormTex,
  type OutputForm,
} from "../../lab/q1/forms.js";
import { compileWired, type WiredNet } from "../../lab/wired/net.js";
import { formatNumber } from "../../src/report/index.js";

// Q1's check in the network view: the network's one hidden unit h_t and output y_t against a claimed
// closed form at every step of every digit sequence up to a length, numerically (float64, to
// TOLERANCE·(1 + Σ|x_i| + |h_0|) for h and TOLERANCE for y, as the lab's Q1 claims compare).

/** A closed form of h_T and of y_T, checked together. */
export interface Q1Claim {
  h: ClosedForm;
  y: OutputForm;
}

/** As the seed writes them: h_T = Σ (−1)^i x_i + h_0 and y_T = σ(10·Σ (−1)^i x_i) + 10 h_0. */
export const Q1_SEED_CLAIM: Q1Claim = {
  h: { x: { i: 1, T: 0, c: 0 }, h0: { T: 0, c: 0 } },
  y: { scale: 10, x: { i: 1, T: 0, c: 0 }, h0: { placement: "outside", factor: 10, sign: { T: 0, c: 0 } } },
};

/** As the lab corrects them (Q1.closed-form, Q1.output): (−1)^{T−i} x_i, (−1)^T h_0, and 10 h_0 inside σ. */
export const Q1_CORRECTED_CLAIM: Q1Claim = {
  h: { x: { i: 1, T: 1, c: 0 }, h0: { T: 1, c: 0 } },
  y: { scale: 10, x: { i: 1, T: 1, c: 0 }, h0: { placement: "inside", factor: 10, sign: { T: 1, c: 0 } } },
};

/** The alphabet of the exhaustive check: 4 symbols, as many as Q5b's pairs, so lengths cost the same. */
export const Q1_DIGITS = [0, 1, 2, 3] as const;

/** What the claim wants after x_1..x_T, and whether the network's h_T and y_T miss it. */
export interface Q1Step {
  wantH: number;
  wantY: number;
  wrongH: boolean;
  wrongY: boolean;
}

export function judgeQ1Step(claim: Q1Claim, x: readonly number[], h0: number, h: number, y: number): Q1Step {
  const wantH = evalClosedForm(claim.h, x, h0);
  const wantY = evalOutputForm(claim.y, x, h0);
  const scale = 1 + x.reduce((a, v) => a + Math.abs(v), 0) + Math.abs(h0);
  // A NaN difference never agrees.
  const wrongH = !(Math.abs(h - wantH) <= TOLERANCE * scale);
  const wrongY = !(Math.abs(y - wantY) <= TOLERANCE);
  return { wantH, wantY, wrongH, wrongY };
}

export interface Q1Mismatch {
  /** The digits x_1..x_T of the first shortest sequence whose last step is wrong. */
  digits: number[];
  unit: "h" | "y";
  got: number;
  want: number;
}

export interface Q1Report {
  maxLength: number;
  /** Sequences checked (every length 1..maxLength), each at its last step. */
  sequences: number;
  wrong: number;
  first: Q1Mismatch | null;
}

/** Every sequence over Q1_DIGITS up to maxLength, depth-first over prefixes (each run once). */
export function checkQ1(net: WiredNet, claim: Q1Claim, maxLength: number): Q1Report {
  const c = compileWired(net);
  const S = c.stateSize;
  const h0 = net.layers[0].initial[0];
  const states = new Float64Array((maxLength + 1) * S);
  states.set(c.initial);
  const y = new Float64Array(c.outputSize);
  const path = new Int32Array(maxLength + 1);
  const digits: number[] = [];
  let sequences = 0;
  let wrong = 0;
  let first: Q1Mismatch | null = null;
  let d = 1;
  path[1] = -1;
  while (d >= 1) {
    const s = ++path[d];
    if (s >= Q1_DIGITS.length) {
      d--;
      digits.pop();
      continue;
    }
    digits[d - 1] = Q1_DIGITS[s];
    c.step(states, (d - 1) * S, [Q1_DIGITS[s]], 0, states, d * S);
    c.output(states, d * S, y, 0);
    const h = states[d * S];
    const step = judgeQ1Step(claim, digits, h0, h, y[0]);
    sequences++;
    if (step.wrongH || step.wrongY) {
      wrong++;
      if (first === null || d < first.digits.length) {
        first = step.wrongH
          ? { digits: digits.slice(), unit: "h", got: h, want: step.wantH }
          : { digits: digits.slice(), unit: "y", got: y[0], want: step.wantY };
      }
    }
    if (d < maxLength) {
      d++;
      path[d] = -1;
    }
  }
  return { maxLength, sequences, wrong, first };
}

const number = (v: number) => formatNumber(v, 6).replace(/^-/, "−");

/** "correct on all …" or "counterexample: 1 gives $h_{1}$ = 1, where … gives −1 (…)", formulas as TeX in `$…$`. */
export function q1Verdict(report: Q1Report, claim: Q1Claim): string {
  const n = report.maxLength;
  const all = `${report.sequences.toLocaleString("en-US")} digit sequences (digits 0–3) up to length ${n}`;
  const m = report.first;
  if (m === null) return `correct on all ${all}: $${closedFormTex(claim.h)}$ and $${outputFormTex(claim.y)}$`;
  const T = m.digits.length;
  const form = m.unit === "h" ? closedFormTex(claim.h) : outputFormTex(claim.y);
  return (
    `counterexample: ${m.digits.join("")} gives $${m.unit}_{${T}}$ = ${number(m.got)}, where $${form}$ gives ` +
    `${number(m.want)} (${report.wrong.toLocaleString("en-US")} of the ${all} wrong at their last step)`
  );
}
