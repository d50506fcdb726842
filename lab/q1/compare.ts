// A formula against the simulation, case by case, and the verdict per group (kind × parity of T):
// the seed's Q1 formulas go wrong on whole groups (odd T), so a group is the unit of the verdict.

import type { Table } from "../../src/report/index.js";
import { formatNumber } from "../format.js";
import type { Verdict } from "../types.js";
import type { Q1Case } from "./cases.js";
import { allClosedForms, type ClosedForm, evalClosedForm } from "./forms.js";

/** A formula agrees with the simulation when |formula − simulation| <= TOLERANCE·scale (float64
 *  round-off is ~1e-16 per term, so 1e-9 leaves no doubt either way). */
export const TOLERANCE = 1e-9;

/** A formula's value and the simulation's on one test sequence. */
export interface Comparison {
  case: Q1Case;
  simulated: number;
  formula: number;
}

/** What an error is measured against: `relativeScale` for h_T (it grows with the inputs),
 *  `absoluteScale` for y_T (a σ, in (0, 1)). */
export type Scale = (c: Q1Case) => number;
export const relativeScale: Scale = (c) => 1 + c.x.reduce((a, v) => a + Math.abs(v), 0) + Math.abs(c.h0);
export const absoluteScale: Scale = () => 1;

export const errorOf = (c: Comparison) => Math.abs(c.formula - c.simulated);
/** NaN (no value) never agrees. */
export const agrees = (c: Comparison, scale: Scale) => errorOf(c) <= TOLERANCE * scale(c.case);

export function compareAll(
  cases: readonly Q1Case[],
  simulated: readonly number[],
  formula: (c: Q1Case, k: number) => number,
): Comparison[] {
  return cases.map((c, k) => ({ case: c, simulated: simulated[k], formula: formula(c, k) }));
}

export const GROUPS = ["binary, even T", "binary, odd T", "real, even T", "real, odd T"] as const;
export type Group = (typeof GROUPS)[number];
export const groupOf = (c: Q1Case): Group => `${c.kind}, ${c.x.length % 2 === 0 ? "even" : "odd"} T`;

export interface GroupResult {
  group: Group;
  cases: number;
  wrong: number;
  maxError: number;
}

export function groupResults(comparisons: readonly Comparison[], scale: Scale): GroupResult[] {
  return GROUPS.map((group) => {
    const inGroup = comparisons.filter((c) => groupOf(c.case) === group);
    return {
      group,
      cases: inGroup.length,
      wrong: inGroup.filter((c) => !agrees(c, scale)).length,
      maxError: inGroup.reduce((m, c) => Math.max(m, errorOf(c)), 0),
    };
  });
}

export interface GroupVerdict {
  verdict: Verdict;
  /** For partly: where the formula holds ("even T" when exactly the even-T groups agree). */
  condition: string | null;
}

/** holds when every group present agrees on every case; fails when none does; partly otherwise. */
export function groupVerdict(groups: readonly GroupResult[]): GroupVerdict {
  const present = groups.filter((g) => g.cases > 0);
  const ok = present.filter((g) => g.wrong === 0).map((g) => g.group);
  if (ok.length === present.length) return { verdict: "holds", condition: null };
  if (ok.length === 0) return { verdict: "fails", condition: null };
  for (const p of ["even", "odd"]) {
    const withP = present.filter((g) => g.group.endsWith(`${p} T`)).map((g) => g.group);
    if (withP.length === ok.length && withP.every((g) => ok.includes(g)))
      return { verdict: "partly", condition: `${p} T` };
  }
  return { verdict: "partly", condition: ok.join("; ") };
}

export const judgeComparisons = (comparisons: readonly Comparison[], scale: Scale) =>
  groupVerdict(groupResults(comparisons, scale));

/** "binary, even T: 0 of 32 wrong (max |error| 2.22e-16); …". */
export function groupsText(groups: readonly GroupResult[]): string {
  return groups
    .map((g) => `${g.group}: ${g.wrong} of ${g.cases} wrong (max |error| ${formatNumber(g.maxError, 3)})`)
    .join("; ");
}

/** Per group, for each named formula: its wrong cases and its largest error. */
export function groupTable(title: string, columns: [string, readonly GroupResult[]][]): Table {
  return {
    kind: "grid",
    title,
    columns: ["cases", "n", ...columns.flatMap(([name]) => [`${name}: wrong`, `${name}: max err`])],
    rows: GROUPS.map((g, k) => [
      g,
      columns[0][1][k].cases,
      ...columns.flatMap(([, rs]) => [rs[k].wrong, formatNumber(rs[k].maxError, 3)]),
    ]),
  };
}

/** The largest error over all comparisons (NaN when there are none to make). */
export const maxError = (comparisons: readonly Comparison[]) =>
  comparisons.length === 0 ? Number.NaN : Math.max(...comparisons.map(errorOf));

/** The forms of the family (allClosedForms) that agree with the simulated h_T on every case. */
export function searchClosedForms(cases: readonly Q1Case[], simulated: readonly number[]): ClosedForm[] {
  return allClosedForms().filter((form) =>
    compareAll(cases, simulated, (c) => evalClosedForm(form, c.x, c.h0)).every((c) =>
      agrees(c, relativeScale),
    ),
  );
}
