// Exposure-bias curves of trained models (the library's oracleExposureBias), measured in groups of
// rollouts whose spread gives each curve's Monte-Carlo standard error.

import {
  mergeOracleExposureBias,
  type OracleExposureBias,
  oracleExposureBias,
  type SequenceModel,
} from "../../src/index.js";
import { texToText } from "../format.js";
import type { LabContext } from "../types.js";
import type { Q4Context } from "./setup.js";
import { type Estimate, estimate, se } from "./stats.js";
import { modelAt, type TrainedRun } from "./training.js";
import { feedLabel } from "./feeds.js";

/** The rollouts' true prefixes, sampled once from the oracle: every model is measured from the
 *  same ones. */
export function prefixes(ctx: LabContext, q: Q4Context): Int32Array[] {
  const { setup, data } = q;
  return ctx.shared(`q4:prefixes:${setup.rollouts}:${setup.prefixLength}:${setup.order}`, () => {
    const rng = ctx.rng("q4:prefixes");
    return Array.from({ length: setup.rollouts }, () => data.oracle.sample(setup.prefixLength, rng));
  });
}

/** oracleExposureBias over all rollouts, with the Monte-Carlo error of its ratio. */
export interface ExposureBias {
  /** l = 1..L */
  lengths: number[];
  /** Mean KL(P_oracle || P_model) at step t along the model's own rollouts and along oracle
   *  continuations of the same prefixes; accModel, accOracle: their sums over t ≤ l. */
  perStepModel: number[];
  perStepOracle: number[];
  accModel: number[];
  accOracle: number[];
  /** accModel / accOracle: 1 = no exposure bias. */
  ratio: number[];
  /** Monte-Carlo standard error of ratio(l), from the spread of the groups' ratios. */
  ratioSE: number[];
  rollouts: number;
}

/** The exposure-bias curves of `model`, cached under `key`. The generators are labelled by group
 *  only, so every model sees the same prefixes and (the oracle's draws coming after the model's,
 *  one uniform per token either way) the very same oracle continuations. */
function exposureBiasOf(
  ctx: LabContext,
  q: Q4Context,
  key: string,
  temperature: number,
  getModel: () => SequenceModel,
): ExposureBias {
  const { setup, data } = q;
  return ctx.shared(
    `q4:eb:${key}:${temperature}:${setup.rollouts}:${setup.groups}:${setup.maxLength}`,
    () => {
      const model = getModel();
      const all = prefixes(ctx, q);
      const size = Math.ceil(all.length / setup.groups);
      const groups: OracleExposureBias[] = [];
      for (let g = 0; g < setup.groups; g++) {
        const part = all.slice(g * size, (g + 1) * size);
        if (part.length === 0) continue;
        const rng = ctx.rng(`q4:eb-group:${g}`);
        const options = {
          prefixes: part,
          maxLength: setup.maxLength,
          rng,
          temperature,
          batchSize: part.length,
        };
        groups.push(oracleExposureBias(model, data.oracle, options));
      }
      const pooled = mergeOracleExposureBias(groups);
      const ratioSE = pooled.lengths.map((_, i) => se(groups.map((g) => g.ratio[i])));
      return { ...pooled, ratioSE };
    },
  );
}

/** Exposure-bias curves of each run's final model (or of its parameters at snapshot `step`). */
export function biasOf(
  ctx: LabContext,
  q: Q4Context,
  runs: TrainedRun[],
  temperature = 1,
  step: number = q.setup.steps,
): ExposureBias[] {
  return runs.map((run) =>
    exposureBiasOf(ctx, q, `${JSON.stringify(run.feed)}:${run.seed}:${step}`, temperature, () => {
      ctx.progress(`Q4: exposure bias of ${texToText(feedLabel(run.feed))}, seed ${run.seed}, step ${step}`);
      return step === q.setup.steps ? run.model : modelAt(q.setup, q.data, run, step);
    }),
  );
}

/** ratio(l) over seeds, the Monte-Carlo error of each seed's ratio included. */
export function ratioAt(ebs: ExposureBias[], l: number): Estimate {
  return estimate(
    ebs.map((e) => e.ratio[l - 1]),
    ebs.map((e) => e.ratioSE[l - 1]),
  );
}
