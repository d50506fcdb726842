// Q1.closed-form: the seed's h_T = Σ (−1)^i x_i + h_0 against the simulated recurrence, per group
// (kind × parity of T), and the one form of the family (−1)^{a·i+b·T+c} that agrees everywhere.

import { type Figure, type LineSeries, plotNumber } from "../../src/report/index.js";
import { formatNumber } from "../format.js";
import { defineExperiment, type Verdict } from "../types.js";
import type { WiredNet } from "../wired/net.js";
import { Q1_SEED, q1Network } from "../wired/networks.js";
import { maxLength, type Q1Case, q1Cases, sequenceText, simulate } from "./cases.js";
import {
  agrees,
  type Comparison,
  compareAll,
  groupResults,
  groupsText,
  groupTable,
  judgeComparisons,
  maxError,
  relativeScale,
  searchClosedForms,
  TOLERANCE,
} from "./compare.js";
import { type ClosedForm, closedFormTex, evalClosedForm, formatClosedForm } from "./forms.js";

export interface ClosedFormStated {
  network: WiredNet;
  /** The seed's h_T = Σ_{i=1..T} (−1)^i x_i + h_0. */
  form: ClosedForm;
}

/** h_t after each step t = 1..T of one sequence: the recurrence and the closed forms on its prefixes. */
export interface ClosedFormTrace {
  case: Q1Case;
  recurrence: number[];
  stated: number[];
  corrected: number[] | null;
}

export interface ClosedFormData {
  /** The stated form against the simulated h_T, per case. */
  stated: Comparison[];
  /** Every form of the family that agrees with the simulation on every case. */
  found: ClosedForm[];
  /** The first of them, against the simulated h_T; null when none agrees. */
  corrected: { form: ClosedForm; comparisons: Comparison[] } | null;
  trace: ClosedFormTrace;
}

/** The seed's form, per group: holds, fails, or partly with the groups where it holds. */
export const judgeStatedForm = (data: Pick<ClosedFormData, "stated">) =>
  judgeComparisons(data.stated, relativeScale);

export function judgeClosedForm(data: Pick<ClosedFormData, "stated">): Verdict {
  return judgeStatedForm(data).verdict;
}

function traceOf(network: WiredNet, c: Q1Case, forms: readonly ClosedForm[]): ClosedFormTrace {
  const ts = Array.from({ length: c.x.length }, (_, k) => k + 1);
  const prefix = (form: ClosedForm) => ts.map((t) => evalClosedForm(form, c.x.slice(0, t), c.h0));
  return {
    case: c,
    recurrence: simulate(network, c).trace.slice(1),
    stated: prefix(forms[0]),
    corrected: forms[1] ? prefix(forms[1]) : null,
  };
}

function evidence(data: ClosedFormData, stated: ClosedFormStated): string {
  const cases = data.stated.map((c) => c.case);
  const groups = groupResults(data.stated, relativeScale);
  let text =
    `Simulated $h_t = x_t - h_{t-1}$ (the wired network, float64) on ${cases.length} sequences, real and binary, ` +
    `T = 1..${maxLength(cases)}, $h_0 = \\pm U(0.1, 2)$, and compared $${closedFormTex(stated.form)}$: ${groupsText(groups)}. `;
  const wrong = data.stated.find((c) => !agrees(c, relativeScale));
  if (wrong) {
    text +=
      `First counterexample: x = ${sequenceText(wrong.case)}, $h_0$ = ${formatNumber(wrong.case.h0, 3)}: the recurrence ` +
      `gives $h_{${wrong.case.x.length}}$ = ${formatNumber(wrong.simulated)}, the formula ${formatNumber(wrong.formula)}. `;
  }
  const n = data.found.length;
  return data.corrected
    ? `${text}Of the 32 sign patterns $(-1)^{a i + b T + c} x_i$, $(-1)^{b' T + c'} h_0$, exactly ${n === 1 ? "one" : n} ` +
        `agree${n === 1 ? "s" : ""} with every case: $${closedFormTex(data.corrected.form)}$.`
    : `${text}No sign pattern $(-1)^{a i + b T + c}$ agrees with every case.`;
}

function correction(data: ClosedFormData, verdict: Verdict): string | null {
  if (verdict === "holds") return null;
  const { condition } = judgeStatedForm(data);
  if (!data.corrected)
    return `No closed form of this family matches; ${condition ? `the seed's holds for ${condition}` : ""}`;
  const only =
    verdict === "partly"
      ? `The seed's formula holds only for ${condition} (there $(-1)^{T-i} = (-1)^i$ and $(-1)^T = 1$). `
      : "";
  return (
    `${only}In general $${closedFormTex(data.corrected.form)}$: the last input enters with +, each earlier one ` +
    `alternates, and $h_0$ with sign $(-1)^T$. Confirmed on the same ${data.stated.length} sequences: largest |error| ` +
    `${formatNumber(maxError(data.corrected.comparisons), 2)} (threshold ${TOLERANCE} · $(1 + \\sum \\lvert x_i\\rvert + \\lvert h_0\\rvert)$), in all four groups.`
  );
}

function traceFigure(data: ClosedFormData, stated: ClosedFormStated): Figure {
  const t = data.trace;
  const ts = t.recurrence.map((_, k) => k + 1);
  const series: LineSeries[] = [
    {
      name: "recurrence h_t = x_t − h_{t−1}",
      x: ts,
      y: t.recurrence.map(plotNumber),
      width: 3,
      opacity: 0.5,
    },
    {
      name: `seed: ${formatClosedForm(stated.form)}`,
      x: ts,
      y: t.stated.map(plotNumber),
      dots: true,
      dashed: true,
    },
  ];
  if (data.corrected && t.corrected) {
    const name = `corrected: ${formatClosedForm(data.corrected.form)}`;
    // Dashed: it runs exactly on the recurrence, which shows between the dashes.
    series.push({ name, x: ts, y: t.corrected.map(plotNumber), dots: true, dashed: true });
  }
  return {
    id: "q1-closed-form-trace",
    title: "$h_t$ along one real sequence: the recurrence and the two closed forms",
    caption: `$x_i \\sim U(-1, 1)$, $h_0$ = ${formatNumber(t.case.h0, 3)}. The seed's form meets the recurrence at even $t$ only.`,
    spec: { kind: "line", x: { label: "t" }, y: { label: "h_t" }, series },
  };
}

export const closedForm = defineExperiment<ClosedFormStated, ClosedFormData>({
  id: "Q1.closed-form",
  question: "Q1",
  title: "closed form of $h_T$",
  claim: "$h_T = \\sum_{i=1}^{T} (-1)^i x_i + h_0$ (the seed's final line).",
  stated: { network: q1Network(Q1_SEED, "Q1 (seed)"), form: { x: { i: 1, T: 0, c: 0 }, h0: { T: 0, c: 0 } } },
  cost: 0.3,
  measure(stated, ctx) {
    const cases = q1Cases(ctx);
    const simulated = cases.map((c) => simulate(stated.network, c).h);
    const compareForm = (form: ClosedForm) =>
      compareAll(cases, simulated, (c) => evalClosedForm(form, c.x, c.h0));
    const found = searchClosedForms(cases, simulated);
    const corrected = found.length > 0 ? { form: found[0], comparisons: compareForm(found[0]) } : null;
    const traceCase = cases.filter((c) => c.kind === "real").at(-1) ?? cases[cases.length - 1];
    return {
      stated: compareForm(stated.form),
      found,
      corrected,
      trace: traceOf(stated.network, traceCase, [stated.form, ...found.slice(0, 1)]),
    };
  },
  judge: judgeClosedForm,
  describe(data, verdict, stated) {
    const groups = groupResults(data.stated, relativeScale);
    const columns: [string, typeof groups][] = [["seed", groups]];
    if (data.corrected) columns.push(["corrected", groupResults(data.corrected.comparisons, relativeScale)]);
    return {
      evidence: evidence(data, stated),
      correction: correction(data, verdict),
      figures: [traceFigure(data, stated)],
      tables: [groupTable("Largest |closed form − simulation| per group", columns)],
    };
  },
});
