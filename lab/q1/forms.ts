// The closed forms of Q1 as data: each sign is (−1) to an integer combination of i, T and a constant,
// so a claim's formula is a few integers a test can change, and a search can enumerate the family.

import { texToText } from "../format.js";

/** The sign (−1)^(i·a + T·b + c) of x_i in a closed form for h_T (integers a, b, c). */
export interface XSign {
  i: number;
  T: number;
  c: number;
}
/** The sign (−1)^(T·b + c) of h_0. */
export interface H0Sign {
  T: number;
  c: number;
}
/** h_T = Σ_{i=1..T} (−1)^{x(i,T)} x_i + (−1)^{h0(T)} h_0. */
export interface ClosedForm {
  x: XSign;
  h0: H0Sign;
}
/** y_T = σ(scale·Σ (−1)^{x(i,T)} x_i [+ factor·(−1)^{h0(T)} h_0 inside σ]) [+ factor·(−1)^{h0(T)} h_0 outside σ]. */
export interface OutputForm {
  scale: number;
  x: XSign;
  h0: { placement: "inside" | "outside"; factor: number; sign: H0Sign };
}

/** (−1)^e for any integer e (negative ones included). */
export const parity = (e: number) => (((e % 2) + 2) % 2 === 0 ? 1 : -1);
const xSign = (s: XSign, i: number, T: number) => parity(s.i * i + s.T * T + s.c);
export const h0Sign = (s: H0Sign, T: number) => parity(s.T * T + s.c);
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

function alternatingSum(s: XSign, x: readonly number[]): number {
  const T = x.length;
  let sum = 0;
  for (let i = 1; i <= T; i++) sum += xSign(s, i, T) * x[i - 1];
  return sum;
}

export function evalClosedForm(form: ClosedForm, x: readonly number[], h0: number): number {
  return alternatingSum(form.x, x) + h0Sign(form.h0, x.length) * h0;
}

export function evalOutputForm(form: OutputForm, x: readonly number[], h0: number): number {
  const h0Term = form.h0.factor * h0Sign(form.h0.sign, x.length) * h0;
  const inside = form.scale * alternatingSum(form.x, x) + (form.h0.placement === "inside" ? h0Term : 0);
  return sigmoid(inside) + (form.h0.placement === "outside" ? h0Term : 0);
}

/** Σ of the inputs at even distance from the anchor (the last step or the first) minus those at odd. */
export function anchoredSum(anchor: "end" | "start", x: readonly number[]): number {
  const T = x.length;
  let sum = 0;
  for (let i = 1; i <= T; i++) {
    const distance = anchor === "end" ? T - i : i - 1;
    sum += (distance % 2 === 0 ? 1 : -1) * x[i - 1];
  }
  return sum;
}

/** "(-1)^{T-i}" and the like, in TeX: i and T with odd coefficients (mod 2, i + T ≡ T − i); "" for +1. */
export function exponentText(terms: [number, string][], c: number): string {
  const odd = terms.filter(([k]) => parity(k) === -1).map(([, name]) => name);
  const base = odd.length === 2 ? `${odd[1]}-${odd[0]}` : odd.join("+");
  const withC = parity(c) === -1 ? (base ? `${base}+1` : "1") : base;
  return withC === "" ? "" : `(-1)^{${withC}}`;
}

const xSignText = (s: XSign) =>
  exponentText(
    [
      [s.i, "i"],
      [s.T, "T"],
    ],
    s.c,
  );
const h0SignText = (s: H0Sign) => exponentText([[s.T, "T"]], s.c);
const withSpace = (sign: string) => (sign ? `${sign} ` : "");

/** The closed form in TeX (no `$`): h_T = \sum_{i=1}^{T} (-1)^{T-i} x_i + (-1)^{T} h_0. */
export function closedFormTex(form: ClosedForm): string {
  return `h_T = \\sum_{i=1}^{T} ${withSpace(xSignText(form.x))}x_i + ${withSpace(h0SignText(form.h0))}h_0`;
}

export function outputFormTex(form: OutputForm): string {
  const sum = `${form.scale} \\cdot \\sum ${withSpace(xSignText(form.x))}x_i`;
  const h0 = `${form.h0.factor} \\cdot ${withSpace(h0SignText(form.h0.sign))}h_0`;
  return form.h0.placement === "inside" ? `y_T = \\sigma(${sum} + ${h0})` : `y_T = \\sigma(${sum}) + ${h0}`;
}

/** The closed form as plain text, e.g. "h_T = Σ_{i=1}^T (−1)^{T−i} x_i + (−1)^T h_0". */
export const formatClosedForm = (form: ClosedForm) => texToText(`$${closedFormTex(form)}$`);
export const formatOutputForm = (form: OutputForm) => texToText(`$${outputFormTex(form)}$`);

/** Every sign pattern of the family, coefficients mod 2: 8 for x_i times 4 for h_0. */
export function allClosedForms(): ClosedForm[] {
  const forms: ClosedForm[] = [];
  for (let a = 0; a < 2; a++)
    for (let b = 0; b < 2; b++)
      for (let c = 0; c < 2; c++)
        for (let b2 = 0; b2 < 2; b2++)
          for (let c2 = 0; c2 < 2; c2++) forms.push({ x: { i: a, T: b, c }, h0: { T: b2, c: c2 } });
  return forms;
}
