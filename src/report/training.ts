// The training report: report.html for one `rnnlab train` run, made from its metrics.jsonl records
// (src/train/metrics.ts). Works on any prefix of a run: a figure whose records are missing is left
// out with a note saying why. Pure: imports nothing from Node.

import type {
  DoneRecord,
  GradFlowRecord,
  MetricRecord,
  RunRecord,
  TrainRecord,
  ValRecord,
} from "../train/metrics.js";
import { type RunConfigParts, runConfigParts } from "../train/run-config.js";
import { escapeHtml, rawHtml } from "./escape.js";
import { formatNumber } from "./format.js";
import {
  type CellValue,
  type Figure,
  type PageOptions,
  type ReportAssets,
  renderPage,
  type Section,
  type Stat,
} from "./page.js";
import { finiteOrNull, plotNumber } from "./spec.js";
import {
  allGroundTruth,
  clipMaxNorm,
  clippedSteps,
  gradFlowProfileSpec,
  gradFlowSpec,
  gradNormSpec,
  groundTruthSpec,
  lossFigure,
  trainingLossEnd,
  type ValPoint,
} from "./training-figures.js";

/** The ids of the training report's figures and of its samples section. */
export const TRAINING_IDS = {
  loss: "loss",
  gradNorm: "grad-norm",
  groundTruth: "ground-truth",
  learningRate: "learning-rate",
  gradFlow: "grad-flow",
  gradFlowProfile: "grad-flow-profile",
  samples: "samples",
} as const;

const LN2 = Math.LN2;

/** A run's records sorted by kind; a step written twice (a resumed run) keeps its last record. */
export interface RunRecords {
  runs: RunRecord[];
  train: TrainRecord[];
  val: ValRecord[];
  gradflow: GradFlowRecord[];
  done?: DoneRecord;
}

function lastByKey<T extends { step: number }>(records: T[], key: (r: T) => string): T[] {
  const map = new Map<string, T>();
  for (const r of records) {
    const k = key(r);
    map.delete(k); // re-inserted: the last record of a key takes its place in the order
    map.set(k, r);
  }
  return [...map.values()].sort((a, b) => a.step - b.step);
}

/**
 * Splits records by type, keeping the last record of each step (and layer), sorted by step. Records of
 * unknown type, without a numeric step, or gradient-flow records without norms are skipped.
 */
export function groupRecords(records: readonly MetricRecord[]): RunRecords {
  const runs: RunRecord[] = [];
  const train: TrainRecord[] = [];
  const val: ValRecord[] = [];
  const gradflow: GradFlowRecord[] = [];
  let done: DoneRecord | undefined;
  const hasStep = (r: { step?: unknown }) => typeof r.step === "number" && Number.isFinite(r.step);
  for (const r of records) {
    // Records are read from a file: anything malformed is skipped or patched rather than thrown on.
    if (typeof r !== "object" || r === null) continue;
    switch (r.type) {
      case "run":
        runs.push({
          ...r,
          config: isPlainObject(r.config) ? r.config : {},
          data: isPlainObject(r.data)
            ? r.data
            : { path: "?", tokenizer: "char", vocabSize: 0, trainTokens: 0, valTokens: 0 },
        });
        break;
      case "train":
        if (hasStep(r)) train.push(r);
        break;
      case "val":
        if (hasStep(r))
          val.push({ ...r, sample: typeof r.sample === "string" ? r.sample : String(r.sample ?? "") });
        break;
      case "gradflow":
        if (hasStep(r) && Array.isArray(r.norms) && r.norms.length > 0) gradflow.push(r);
        break;
      case "done":
        done = r;
        break;
    }
  }
  return {
    runs,
    train: lastByKey(train, (r) => String(r.step)),
    val: lastByKey(val, (r) => String(r.step)),
    gradflow: lastByKey(gradflow, (r) => `${r.step}/${r.layer}`),
    done,
  };
}

/** The page (without assets) of the training report: what renderTrainingReport renders. */
export function buildTrainingReport(records: readonly MetricRecord[]): Omit<PageOptions, "assets"> {
  const g = groupRecords(records);
  const run = g.runs[0];
  const config = run ? runConfigParts(run.config) : {};
  const sections: Section[] = [
    summarySection(g, config),
    lossSection(g, config),
    gradientSection(g, config),
    feedingSection(g, config),
    gradFlowSection(g),
    samplesSection(g),
  ];
  if (run) sections.push(configSection(run));
  return {
    title: "Training report",
    subtitle: run ? subtitle(run, config) : "A run without its run record",
    sections,
    footer: rawHtml(
      `Made by rnnlab from ${escapeHtml(formatNumber(records.length))} records of metrics.jsonl. ` +
        "This page is self-contained: it opens from disk and needs no network.",
    ),
    toc: true,
  };
}

/** report.html for a training run, from its metrics.jsonl records (any prefix of a run). */
export function renderTrainingReport(records: readonly MetricRecord[], assets: ReportAssets): string {
  return renderPage({ ...buildTrainingReport(records), assets });
}

// ---------------------------------------------------------------------------------------------------
// Sections

function summarySection(g: RunRecords, config: RunConfigParts): Section {
  const run = g.runs[0];
  const lastTrain = g.train.at(-1);
  const lastVal = g.val.at(-1);
  const unigram = finiteOrNull(g.done?.unigramLoss ?? run?.unigramLoss);
  const valLoss = finiteOrNull(g.done?.valLoss ?? lastVal?.valLoss);
  const steps = g.done?.step ?? lastTrain?.step;
  const tokensPerSecond = finiteOrNull(g.done?.tokensPerSecond ?? lastTrain?.tokensPerSecond);
  const seconds = finiteOrNull(g.done?.seconds ?? lastTrain?.elapsed);

  const stats: Stat[] = [];
  if (valLoss !== null) {
    const below = unigram !== null && unigram > 0 ? 1 - valLoss / unigram : null;
    const over = g.done ? fullSplitText(g.done) : periodicValText(g.val);
    stats.push({
      label: g.done ? "Final validation loss" : "Latest validation loss",
      value: valLoss.toFixed(3),
      note:
        `nats/token${over ? ` on ${over}` : ""}, held out from training · ${(valLoss / LN2).toFixed(3)} bits` +
        (below === null
          ? ""
          : ` · ${Math.abs(below * 100).toFixed(0)}% ${below >= 0 ? "below" : "above"} unigram`),
      tone: unigram === null ? "neutral" : valLoss < unigram ? "good" : "bad",
    });
  } else {
    stats.push({ label: "Validation loss", value: "–", note: "not evaluated yet" });
  }
  const trainEnd = trainingLossEnd(g.train);
  if (trainEnd !== null) {
    const over = trainEnd.points === 1 ? "the last step" : `the last ${trainEnd.points} steps`;
    stats.push({
      label: "Training loss at the end",
      value: trainEnd.value.toFixed(3),
      note: `nats/token on training batches, mean of ${over}: where the smoothed curve ends`,
    });
  }
  stats.push({
    label: "Unigram loss",
    value: unigram === null ? "–" : unigram.toFixed(3),
    note: "nats/token, context-free baseline",
  });
  stats.push({
    label: "Steps",
    value: steps === undefined ? "0" : formatNumber(steps),
    note: g.done ? "finished" : "in progress or interrupted",
    tone: g.done ? "neutral" : "warn",
  });
  stats.push({
    label: "Tokens / s",
    value: tokensPerSecond === null ? "–" : formatNumber(Math.round(tokensPerSecond)),
    note: seconds === null ? undefined : `${formatDuration(seconds)}${g.done ? "" : " so far"}`,
  });

  const notes: string[] = [];
  if (!run)
    notes.push("No run record (the first line of metrics.jsonl): the configuration and data are unknown.");
  if (g.runs.length > 1) {
    notes.push(
      `This run was resumed ${g.runs.length - 1} time${g.runs.length > 2 ? "s" : ""}; ` +
        "where a step was recorded twice, the later record is shown, and times count from the last start.",
    );
  }

  const tables: Section["tables"] = [];
  if (run) {
    const d = run.data;
    tables.push({
      kind: "kv",
      title: "Data",
      rows: [
        ["file", d.path],
        ["tokenizer", d.tokenizer === "char" ? "characters" : "words"],
        ["vocabulary", d.vocabSize],
        ["training tokens", d.trainTokens],
        ["validation tokens", d.valTokens],
      ],
    });
    const rows: [string, CellValue][] = [["started", formatDate(run.startedAt)]];
    if (g.done) rows.push(["finished after", formatDuration(g.done.seconds)]);
    rows.push(...runSummary(config));
    tables.push({ kind: "kv", title: "Run", rows });
  }
  return { id: "summary", heading: "Summary", notes, stats, tables };
}

function lossSection(g: RunRecords, config: RunConfigParts): Section {
  const unigram = finiteOrNull(g.done?.unigramLoss ?? g.runs[0]?.unigramLoss);
  const notes: string[] = [];
  if (g.train.length === 0 && g.val.length === 0) {
    notes.push("No training or validation records yet: the loss curves appear here after the first steps.");
    return { id: "loss-section", heading: "Loss", notes };
  }
  if (g.val.length === 0) notes.push("No validation records yet: only the training loss is shown.");
  const periodic = periodicValText(g.val);
  const final = finalValPoint(g);
  const { spec, smoothingWindow } = lossFigure(g.train, g.val, {
    unit: "nats/token",
    baseline: unigram === null ? undefined : { value: unigram, label: "unigram" },
    valOver: periodic,
    final: final ?? undefined,
  });
  const every = config.evalEvery === undefined ? "" : ` (every ${formatNumber(config.evalEvery)} steps)`;
  const caption =
    "Mean cross-entropy per token, in nats. The training loss is each step's batch of training text, on the " +
    "tokens fed as the training mode decided" +
    (smoothingWindow === null
      ? ". "
      : `; the smoothed curve is its running mean over ${smoothingWindow} recorded steps centred on each. `) +
    `The validation loss is measured at each evaluation${every}, teacher forced, on held-out text the model never ` +
    "trains on" +
    (config.feed?.kind === "teacher-forcing"
      ? ", so its gap to the training curve is the generalization gap."
      : ".") +
    (periodic ? ` Its points are over ${periodic} of the split.` : "") +
    (final ? ` ${finalValText(g, final)}` : "") +
    (unigram === null
      ? ""
      : ` Dashed: the unigram loss of the validation text (${unigram.toFixed(3)}), what a model ignoring all context would score.`);
  const figure: Figure = { id: TRAINING_IDS.loss, title: "Training and validation loss", caption, spec };
  return { id: "loss-section", heading: "Loss", notes, figures: [figure] };
}

/** The summary's final validation loss as a point of the loss figure, when it is not the last
 *  periodic point itself (a run without valTokens records cannot tell, and draws it anyway). */
function finalValPoint(g: RunRecords): (ValPoint & { name: string }) | null {
  const done = g.done;
  if (!done || finiteOrNull(done.valLoss) === null) return null;
  const over = fullSplitText(done);
  return { step: done.step, valLoss: done.valLoss, name: over ? `final (${over})` : "final validation" };
}

function finalValText(g: RunRecords, final: ValPoint): string {
  const last = g.val.at(-1);
  const over = g.done ? fullSplitText(g.done) : undefined;
  const text = `The dark point at step ${formatNumber(final.step)} is the summary's final validation loss, ${final.valLoss.toFixed(3)}, over ${over ?? "the whole split"}`;
  if (!last || last.step !== final.step || !Number.isFinite(last.valLoss)) return `${text}.`;
  const gap = Math.abs(final.valLoss - last.valLoss);
  return gap < 5e-4
    ? `${text}; the last periodic point agrees to 3 decimals.`
    : `${text}; the last periodic point differs by ${gap.toFixed(3)}.`;
}

function gradientSection(g: RunRecords, config: RunConfigParts): Section {
  if (g.train.length === 0) {
    return { id: "gradient-section", heading: "Gradient norm", notes: ["No training records yet."] };
  }
  const clipped = clippedSteps(g.train);
  const share = clipped / g.train.length;
  const figures: Figure[] = [
    {
      id: TRAINING_IDS.gradNorm,
      title: "Gradient norm before and after clipping",
      caption:
        "Global 2-norm of the gradient over all parameters, on a log scale. " +
        (clipped === 0
          ? "Clipping never changed it at the recorded steps, so the two curves coincide."
          : `Clipping reduced it at ${formatNumber(clipped)} of ${formatNumber(g.train.length)} recorded steps (${(share * 100).toFixed(1)}%).`),
      spec: gradNormSpec(g.train, clipMaxNorm(config.clip)),
    },
  ];
  const lrs = g.train.map((r) => r.lr);
  if (lrs.some((v) => v !== lrs[0])) {
    figures.push({
      id: TRAINING_IDS.learningRate,
      title: "Learning rate",
      caption: "The learning rate the optimizer used at each step, as the schedule set it.",
      spec: {
        kind: "line",
        height: 200,
        x: { label: "step" },
        y: { label: "learning rate", zero: true },
        series: [
          { name: "learning rate", x: g.train.map((r) => r.step), y: lrs.map(plotNumber), color: "#0891b2" },
        ],
      },
    });
  }
  return { id: "gradient-section", heading: "Gradient norm", figures };
}

function feedingSection(g: RunRecords, config: RunConfigParts): Section {
  const heading = "Ground truth fed";
  if (g.train.length === 0) return { id: "feeding-section", heading, notes: ["No training records yet."] };
  const mode = config.feed && describeMode(config.feed);
  const onlyTruth = allGroundTruth(g.train);
  return {
    id: "feeding-section",
    heading,
    notes: onlyTruth
      ? [
          `${mode === "teacher forcing" ? "Teacher forcing" : "This run"}: every input is ground truth, so both ` +
            "lines lie at 100 %, the observed one drawn over the schedule.",
        ]
      : [],
    figures: [
      {
        id: TRAINING_IDS.groundTruth,
        title: "Fraction of ground-truth tokens fed, and eps_i",
        caption:
          "Of the tokens fed to the model after the first of each sequence, the fraction that were the " +
          "true text rather than the model's own (observed, solid), against scheduled sampling's probability eps_i " +
          "of feeding the truth at step i (dashed). Teacher forcing feeds only the truth (both 1); free running feeds " +
          "the model's tokens after the prefix; under scheduled sampling the observed fraction follows eps_i " +
          "within sampling error." +
          (mode === undefined ? "" : ` This run: ${mode}.`),
        spec: groundTruthSpec(g.train),
      },
    ],
  };
}

function gradFlowSection(g: RunRecords): Section {
  const heading = "Gradient flow through time";
  if (g.gradflow.length === 0) {
    return {
      id: "grad-flow-section",
      heading,
      notes: ["No gradient-flow records yet: ‖dL/dh_t‖ is recorded at every evaluation."],
    };
  }
  const layers = [...new Set(g.gradflow.map((r) => r.layer))].sort((a, b) => b - a);
  const figures: Figure[] = [];
  layers.forEach((layer, i) => {
    const recs = g.gradflow.filter((r) => r.layer === layer);
    const T = Math.max(...recs.map((r) => r.norms.length)) - 1;
    const layerText = layers.length > 1 ? ` (layer ${layer}${i === 0 ? ", the top" : ""})` : "";
    figures.push({
      id: i === 0 ? TRAINING_IDS.gradFlow : `${TRAINING_IDS.gradFlow}-layer-${layer}`,
      title: `‖dL/dh_t‖ per time step over training${layerText}`,
      caption:
        `Each column is one evaluated training step; row t is the 2-norm of dL/dh_t over the batch and the ` +
        `units, for t = 0 (the initial state, bottom) to t = ${T}. The colour scale is logarithmic: gradients that ` +
        "vanish on their way back through time fade toward the bottom, exploding ones grow. A blank cell is a " +
        "zero norm, which a log scale cannot show.",
      spec: gradFlowSpec(recs),
    });
  });
  // The profile over t at a few evaluations of the top layer, on a log scale.
  const top = g.gradflow.filter((r) => r.layer === layers[0]);
  figures.push({
    id: TRAINING_IDS.gradFlowProfile,
    title: "‖dL/dh_t‖ against t at a few evaluations",
    caption: `Columns of the heatmap above${layers.length > 1 ? " (top layer)" : ""}, as curves on a log scale.`,
    spec: gradFlowProfileSpec(pickEvenly(top, 5)),
  });
  return { id: "grad-flow-section", heading, figures };
}

/** Samples shown before the rest fold away: the latest few, then the first, for contrast. */
const LATEST_SAMPLES = 3;

function samplesSection(g: RunRecords): Section {
  const heading = "Free-running samples";
  if (g.val.length === 0) {
    return {
      id: TRAINING_IDS.samples,
      heading,
      notes: ["No validation records yet: a sample is generated at every evaluation."],
    };
  }
  const periodic = periodicValText(g.val);
  const newest = [...g.val].reverse();
  const folded = newest.length > LATEST_SAMPLES + 1;
  // The latest few and the first stay in view; the ones between fold away, newest first.
  const order = folded
    ? [...newest.slice(0, LATEST_SAMPLES), newest[newest.length - 1], ...newest.slice(LATEST_SAMPLES, -1)]
    : newest;
  return {
    id: TRAINING_IDS.samples,
    heading,
    prose:
      "What the model wrote from its own tokens at each evaluation, newest first, with that evaluation's validation loss" +
      (periodic ? ` (over ${periodic} of the split).` : ".") +
      (folded
        ? ` The latest ${LATEST_SAMPLES} and the first are shown; the other ${newest.length - LATEST_SAMPLES - 1} fold under them.`
        : ""),
    tables: [
      {
        kind: "grid",
        columns: [
          { label: "step", align: "right", width: "6em" },
          { label: "val loss", align: "right", width: "6em" },
          { label: "sample" },
        ],
        rows: order.map((r) => [
          r.step,
          Number.isFinite(r.valLoss) ? r.valLoss.toFixed(3) : String(r.valLoss),
          { pre: r.sample },
        ]),
        visibleRows: LATEST_SAMPLES + 1,
      },
    ],
  };
}

function configSection(run: RunRecord): Section {
  const rows = flatten(run.config);
  return {
    id: "configuration",
    heading: "Configuration",
    prose: "The model's configuration and every training option, as given.",
    tables: rows.length > 0 ? [{ kind: "kv", rows }] : [],
    notes: rows.length > 0 ? [] : ["The run record holds no configuration."],
  };
}

// ---------------------------------------------------------------------------------------------------
// Helpers

function pickEvenly<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(items[Math.round((i * (items.length - 1)) / (n - 1))]);
  return out;
}

function subtitle(run: RunRecord, config: RunConfigParts): string {
  const parts: string[] = [];
  if (config.model) parts.push(describeModel(config.model));
  if (config.feed) parts.push(describeMode(config.feed));
  const file = run.data.path.split(/[\\/]/).pop() ?? run.data.path;
  parts.push(
    `${file} (${run.data.tokenizer === "char" ? "characters" : "words"}, vocabulary ${formatNumber(run.data.vocabSize)})`,
  );
  parts.push(`started ${formatDate(run.startedAt)}`);
  return parts.join(" · ");
}

// The run record's config is read as a RunConfig (src/train/run-config.ts), field by field: a
// field that is missing or invalid is left out of the summary (the Configuration section lists
// the config as given).

type ReportModel = NonNullable<RunConfigParts["model"]>;
type FeedMode = NonNullable<RunConfigParts["feed"]>;

/** "LSTM, 2 × 128 units" */
function describeModel(model: ReportModel): string {
  return `${model.cell.toUpperCase()}, ${model.layers > 1 ? `${model.layers} × ` : ""}${model.hiddenSize} units`;
}

/** "one-hot", "embedding of 32" (a ModelConfig's input: also "dense of 3") */
function describeInput(model: ReportModel): string {
  const input = "embedding" in model ? model.embedding : model.input;
  if (input === "onehot" || (typeof input === "object" && input.kind === "onehot")) return "one-hot";
  if (typeof input === "number") return `embedding of ${input}`;
  return input.kind === "embedding" ? `embedding of ${input.embeddingSize}` : `dense of ${input.size}`;
}

/** "teacher forcing", "free running after 8 tokens", "scheduled sampling (linear eps, sample)" */
function describeMode(feed: FeedMode): string {
  switch (feed.kind) {
    case "teacher-forcing":
      return "teacher forcing";
    case "free-running":
      return `free running after ${feed.prefix} tokens`;
    case "scheduled-sampling":
      return `scheduled sampling (${feed.schedule.kind} eps, ${feed.pick})`;
  }
}

function describeClip(clip: NonNullable<RunConfigParts["clip"]> | null): string {
  if (clip === null) return "none";
  return clip.kind === "norm"
    ? `by norm: ‖g‖${clip.normType === "inf" ? "∞" : "₂"} ≤ ${clip.maxNorm}`
    : `by value: |g_i| ≤ ${clip.value}`;
}

function runSummary(c: RunConfigParts): [string, CellValue][] {
  const rows: [string, CellValue][] = [];
  if (c.model) {
    rows.push(["model", describeModel(c.model)]);
    if (c.model.cell === "rnn") rows.push(["activation", c.model.activation]);
    rows.push(["input", describeInput(c.model)]);
  }
  if (c.feed) rows.push(["training mode", describeMode(c.feed)]);
  if (c.clip !== undefined) rows.push(["clipping", describeClip(c.clip)]);
  if (c.optimizer) rows.push(["optimizer", `${c.optimizer.name}, lr ${c.optimizer.lr}`]);
  if (c.seqLen !== undefined && c.batch !== undefined)
    rows.push(["batch", `${c.batch} sequences × ${c.seqLen} tokens`]);
  if (c.seed !== undefined) rows.push(["seed", c.seed]);
  return rows;
}

/** "1,024 tokens", what the periodic validation losses are over (from the latest record). */
function periodicValText(val: readonly ValRecord[]): string | undefined {
  const tokens = val.at(-1)?.valTokens;
  return typeof tokens === "number" ? `${formatNumber(tokens)} tokens` : undefined;
}

/** "the full split, 1,984 tokens", what the final validation loss is over. */
function fullSplitText(done: DoneRecord): string | undefined {
  const tokens = done.valTokens;
  return typeof tokens === "number" ? `the full split, ${formatNumber(tokens)} tokens` : undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function configValue(v: unknown): CellValue {
  if (typeof v === "number") return v;
  if (typeof v === "string") return v;
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 200 ? `${s.slice(0, 199)}…` : s;
}

/** Nested objects as dotted keys; arrays and other values as JSON. */
function flatten(value: Record<string, unknown>, prefix = ""): [string, CellValue][] {
  const rows: [string, CellValue][] = [];
  for (const [k, v] of Object.entries(value)) {
    const key = prefix + k;
    if (typeof v === "object" && v !== null && !Array.isArray(v))
      rows.push(...flatten(v as Record<string, unknown>, `${key}.`));
    else rows.push([key, configValue(v)]);
  }
  return rows;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "–";
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const total = Math.round(seconds);
  const m = Math.floor(total / 60);
  const s = total % 60;
  if (m < 60) return `${m} min ${s} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** An ISO date as "2024-05-01 12:34 UTC" (the page is the same wherever it is made). */
function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
