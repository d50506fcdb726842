// The test sequences of Q1 (real and binary, odd and even lengths, h_0 != 0) and the hand-wired
// network run on them in float64.

import { formatNumber } from "../format.js";
import type { LabContext } from "../types.js";
import { cloneWired, runWired, type WiredNet } from "../wired/net.js";

export interface Q1Case {
  kind: "real" | "binary";
  x: number[];
  h0: number;
}

export const Q1_SIZES = {
  full: { maxT: 40, perT: 10, binaryLength: 12 },
  quick: { maxT: 16, perT: 4, binaryLength: 10 },
};
export const q1Sizes = (ctx: LabContext) => (ctx.quick ? Q1_SIZES.quick : Q1_SIZES.full);

/** For T = 1..maxT and each kind, `perT` sequences: real x_i ~ U(−1, 1) or binary, h_0 = ±U(0.1, 2).
 *  Shared by the four claims of a lab run. */
export function q1Cases(ctx: LabContext): Q1Case[] {
  return ctx.shared("q1-cases", () => {
    const { maxT, perT } = q1Sizes(ctx);
    const rng = ctx.rng("q1-cases");
    const cases: Q1Case[] = [];
    for (let T = 1; T <= maxT; T++) {
      for (const kind of ["binary", "real"] as const) {
        for (let k = 0; k < perT; k++) {
          const x = Array.from({ length: T }, () => (kind === "real" ? rng.uniformIn(-1, 1) : rng.int(2)));
          const h0 = (rng.uniform() < 0.5 ? -1 : 1) * rng.uniformIn(0.1, 2);
          cases.push({ kind, x, h0 });
        }
      }
    }
    return cases;
  });
}

/** A copy of the network starting from h_0. */
export function withInitial(net: WiredNet, h0: number): WiredNet {
  const copy = cloneWired(net);
  copy.layers[0].initial = [h0];
  return copy;
}

export interface Simulated {
  h: number;
  y: number;
  /** h_t for t = 0..T. */
  trace: number[];
}

/** h_T and y_T of the network run on the case (its h_0 replacing the network's). */
export function simulate(net: WiredNet, c: Q1Case): Simulated {
  const run = runWired(
    withInitial(net, c.h0),
    c.x.map((v) => [v]),
  );
  const T = c.x.length;
  return { h: run.states[0][T][0], y: run.outputs[T - 1][0], trace: run.states[0].map((s) => s[0]) };
}

export const maxLength = (cases: readonly Q1Case[]) => Math.max(...cases.map((c) => c.x.length));

/** "0110 (T = 4)" or "(0.5, −0.25) (T = 2)". */
export function sequenceText(c: Q1Case): string {
  const x = c.kind === "binary" ? c.x.join("") : `(${c.x.map((v) => formatNumber(v, 3)).join(", ")})`;
  return `${x} (T = ${c.x.length})`;
}
