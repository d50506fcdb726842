import {
  type Estimate,
  estimate,
  FASTER,
  meanCurve,
  meanSeries,
  pairedFinal,
  q4Context,
  runsOf,
  series,
  stepsToReach,
  Z,
} from "../q4/common.js";
import { fedLossByPosition } from "../q4/measures.js";
import { type FeedSpec, feedLabel, resolveFeed, type TrainedRun } from "../q4/setup.js";
import { fmt, mean, pm, se } from "../q4/stats.js";
import { type ClaimResult, defineExperiment, type LabContext } from "../types.js";

/** The claim as data: teacher forcing feeds the ground-truth token at every step (a fraction
 *  `fedFraction` = 1 of the inputs), which removes the accumulation of errors in training and makes
 *  learning easier and faster than feeding the model's own predictions (`alternative`: free running
 *  after a true first token). */
export interface TeacherForcingData {
  fedFraction: number;
  alternative: FeedSpec;
}

const TF = { kind: "teacher-forcing" } as const;
const BLUE = "#1f77b4";
const ORANGE = "#ff7f0e";

export const teacherForcing = defineExperiment<TeacherForcingData>({
  id: "Q4.teacher-forcing",
  question: "Q4",
  title: "Teacher forcing removes accumulation, learns faster",
  claim:
    "Feeding the ground-truth token instead (teacher forcing) removes that accumulation during training and makes learning easier and faster.",
  data: { fedFraction: 1, alternative: { kind: "free-running", prefix: 1 } },
  cost: 25,
  run(data: TeacherForcingData, ctx: LabContext): ClaimResult {
    const q = q4Context(ctx);
    const { setup } = q;
    const tf = runsOf(ctx, q, TF);
    const alt = runsOf(ctx, q, data.alternative);
    const altName = feedLabel(data.alternative);
    const altMode = resolveFeed(data.alternative, setup.steps);

    // (A) What is fed, and the loss along the training window under each feeding.
    const fedTF = mean(tf.map((r) => mean(r.groundTruthFraction)));
    const fedAlt = mean(alt.map((r) => mean(r.groundTruthFraction)));
    const fedMatches = Math.abs(fedTF - data.fedFraction) <= 1e-12;
    ctx.progress("Q4: loss along training windows under each feeding");
    const altEps = altMode.kind === "scheduled-sampling" ? alt[0].eps[setup.steps - 1] : 0;
    const byPosition = tf.map((run) => ({
      teacher: fedLossByPosition(run.model, q.data, TF, 1, ctx.rng(`q4:fed-loss:tf:${run.seed}`)),
      own: fedLossByPosition(run.model, q.data, altMode, altEps, ctx.rng(`q4:fed-loss:own:${run.seed}`)),
    }));
    const altByPosition = alt.map((run) =>
      fedLossByPosition(run.model, q.data, altMode, altEps, ctx.rng(`q4:fed-loss:alt:${run.seed}`)),
    );
    const growthTF = growth(byPosition.map((p) => p.teacher));
    const growthOwn = growth(byPosition.map((p) => p.own));
    const noAccumulation = !(growthTF.mean > Z * growthTF.se);
    const accumulationWithout = growthOwn.mean > Z * growthOwn.se;
    const removes = fedMatches && noAccumulation && accumulationWithout;

    // (B) Learning: validation loss and KL to the oracle at equal steps, and steps to reach.
    const lossGap = pairedFinal(alt, tf, "windowLoss");
    const klGap = pairedFinal(alt, tf, "windowKL");
    const easier = lossGap.mean > Z * lossGap.se && klGap.mean > Z * klGap.se;
    const cTF = meanCurve(tf);
    const cAlt = meanCurve(alt);
    const altFinal = cAlt.valLoss[cAlt.valLoss.length - 1];
    const reach = stepsToReach(cTF.step, cTF.valLoss, altFinal);
    const speedup = reach === null ? 0 : reach === 0 ? Number.POSITIVE_INFINITY : setup.steps / reach;
    const faster = speedup >= FASTER;
    const learns = easier && faster;
    const verdict = removes && learns ? "holds" : removes || learns ? "partly" : "fails";

    const lowerAt = cTF.step.filter((_, i) => i > 0 && cTF.valLoss[i] < cAlt.valLoss[i]).length;
    const half = Math.floor(cTF.step.length / 2);
    const evidence =
      `${setup.seeds} seed(s) per mode, ${setup.steps} steps each, the same ${setup.cell.toUpperCase()} (H = ${setup.hidden}, T = ${setup.seqLen}, B = ${setup.batch}, Adam ${setup.lr}) on the same text from a ${setup.order}-gram oracle (its own loss ${fmt(q.data.oracleLoss)} nats/char). ` +
      `Fraction of inputs that were ground truth over training: ${fmt(fedTF, 4)} under teacher forcing (claimed ${data.fedFraction}), ${fmt(fedAlt, 4)} under ${altName}. ` +
      `Loss of the true next token along the validation windows (last half minus first quarter of the ${setup.seqLen} positions, nats): the teacher-forced models fed the truth ${pm(growthTF.mean, growthTF.se)}, the same models fed as ${altName} ${pm(growthOwn.mean, growthOwn.se)}` +
      ` (the ${altName} models themselves ${pm(growth(altByPosition).mean, growth(altByPosition).se)}). ` +
      `Teacher-forced validation loss at step ${cTF.step[half]}: ${fmt(cTF.valLoss[half])} against ${fmt(cAlt.valLoss[half])}; at step ${setup.steps}: ${fmt(cTF.valLoss[cTF.valLoss.length - 1])} against ${fmt(altFinal)} (paired difference ${pm(lossGap.mean, lossGap.se)}), KL to the oracle ${fmt(cTF.valKL[cTF.valKL.length - 1])} against ${fmt(cAlt.valKL[cAlt.valKL.length - 1])} (${pm(klGap.mean, klGap.se)}); ` +
      `teacher forcing is lower at ${lowerAt} of ${cTF.step.length - 1} evaluations and reaches the ${altName} final loss ${reach === null ? "never" : `at step ${reach}`} (speed-up ${Number.isFinite(speedup) ? fmt(speedup) : "unbounded"}). ` +
      `Decision: (A) removes accumulation = the fed fraction equals the claim's and the loss does not rise along the window (growth not above ${Z} SE) while it does when the same model is fed its own predictions; (B) easier and faster = final loss and KL lower by more than ${Z} SE and the other's final loss reached within 1/${FASTER} of the budget. Both: holds; one: partly.`;

    const correction =
      verdict === "holds"
        ? null
        : verdict === "partly"
          ? removes
            ? `Teacher forcing feeds only ground truth (fraction ${fmt(fedTF, 4)}) and the training loss does not accumulate along the window, but against ${altName} it did not learn measurably easier or faster here (final loss difference ${pm(lossGap.mean, lossGap.se)}, speed-up ${Number.isFinite(speedup) ? fmt(speedup) : "unbounded"}).`
            : `Teacher forcing learns easier and faster than ${altName} (final loss lower by ${pm(lossGap.mean, lossGap.se)} nats, the other's final loss reached ${Number.isFinite(speedup) ? `${fmt(speedup)} times` : "immediately"} sooner), but the accumulation check failed: fed fraction ${fmt(fedTF, 4)} (claimed ${data.fedFraction}), growth along the window ${pm(growthTF.mean, growthTF.se)} nats fed the truth, ${pm(growthOwn.mean, growthOwn.se)} fed its own predictions.`
          : `Neither part held: fed fraction ${fmt(fedTF, 4)} (claimed ${data.fedFraction}), final loss difference ${pm(lossGap.mean, lossGap.se)} nats.`;

    const positions = Array.from({ length: setup.seqLen }, (_, i) => i);
    const perPosition = (list: { T: number; windows: number; loss: Float64Array }[]) =>
      meanSeries(list.map((p) => columnMeans(p.loss, p.windows, p.T)));
    return {
      id: "Q4.teacher-forcing",
      verdict,
      evidence,
      correction,
      figures: [
        {
          id: "q4-teacher-forcing-learning-curves",
          title: "Validation loss (teacher forced) during training",
          caption: `Mean over ${setup.seeds} seed(s); thin lines: single seeds. The oracle's own loss is the floor.`,
          spec: {
            kind: "line",
            x: { label: "training step" },
            y: { label: "validation loss (nats/char)" },
            series: [
              series("teacher forcing", cTF.step, cTF.valLoss, { width: 2.5, color: BLUE }),
              series(altName, cAlt.step, cAlt.valLoss, { width: 2.5, color: ORANGE }),
              ...thinRuns(tf, "teacher forcing", BLUE),
              ...thinRuns(alt, altName, ORANGE),
            ],
            rules: [{ axis: "y", value: q.data.oracleLoss, label: "oracle" }],
          },
        },
        {
          id: "q4-teacher-forcing-kl-curves",
          title: "KL to the oracle on true contexts during training",
          caption: "Mean KL(P_oracle || P_model) over the validation positions, mean over seeds.",
          spec: {
            kind: "line",
            x: { label: "training step" },
            y: { label: "KL (nats/char)", log: true },
            series: [
              series("teacher forcing", cTF.step, cTF.valKL, { color: BLUE }),
              series(altName, cAlt.step, cAlt.valKL, { color: ORANGE }),
            ],
          },
        },
        {
          id: "q4-teacher-forcing-position-loss",
          title: "Loss along the training window, by what is fed",
          caption: `Loss of the true next token at each position of the validation windows: the teacher-forced models fed the truth, the same models fed as ${altName}, and the ${altName} models.`,
          spec: {
            kind: "line",
            x: { label: "position in the window" },
            y: { label: "loss (nats)" },
            series: [
              series(
                "teacher-forced model, fed the truth",
                positions,
                perPosition(byPosition.map((p) => p.teacher)),
              ),
              series(
                `teacher-forced model, fed as ${altName}`,
                positions,
                perPosition(byPosition.map((p) => p.own)),
              ),
              series(`${altName} model`, positions, perPosition(altByPosition), { dashed: true }),
            ],
          },
        },
      ],
      tables: [
        {
          kind: "grid",
          title: `Teacher forcing against ${altName} (${setup.steps} steps, mean over seeds)`,
          columns: ["", "ground truth fed", "final val loss", "final KL", "growth along window"],
          rows: [
            ["teacher forcing", fedTF, last(cTF.valLoss), last(cTF.valKL), growthTF.mean],
            [altName, fedAlt, altFinal, last(cAlt.valKL), growth(altByPosition).mean],
          ],
        },
      ],
      data: {
        fedFractionTeacher: fedTF,
        fedFractionAlternative: fedAlt,
        growthTeacher: growthTF,
        growthOwnFed: growthOwn,
        finalLossGap: lossGap,
        finalKLGap: klGap,
        finalLossTeacher: last(cTF.valLoss),
        finalLossAlternative: altFinal,
        stepsToReachAlternative: reach,
        speedup,
        removes,
        learns,
      },
    };
  },
});

/** Per window: mean loss over the last half of the positions minus over the first quarter; the mean
 *  over windows and seeds with its standard error. */
function growth(list: { T: number; windows: number; loss: Float64Array }[]): Estimate {
  const perRun = list.map(({ T, windows, loss }) => {
    const g = new Float64Array(windows);
    const q = Math.max(1, Math.floor(T / 4));
    for (let w = 0; w < windows; w++) {
      const row = loss.subarray(w * T, (w + 1) * T);
      g[w] = mean(row.subarray(Math.floor(T / 2))) - mean(row.subarray(0, q));
    }
    return g;
  });
  return estimate(
    perRun.map((g) => mean(g)),
    perRun.map((g) => se(g)),
  );
}

function columnMeans(loss: Float64Array, windows: number, T: number): number[] {
  return Array.from({ length: T }, (_, t) => {
    let s = 0;
    for (let w = 0; w < windows; w++) s += loss[w * T + t];
    return s / windows;
  });
}

function thinRuns(runs: TrainedRun[], name: string, color: string) {
  if (runs.length < 2) return [];
  return runs.map((r) =>
    series(
      `${name}, seed ${r.seed}`,
      r.curve.map((p) => p.step),
      r.curve.map((p) => p.valLoss),
      { width: 0.75, opacity: 0.4, color },
    ),
  );
}

function last(values: number[]): number {
  return values[values.length - 1];
}
