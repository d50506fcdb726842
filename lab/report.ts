import type { PageOptions, Section, Stat } from "../src/report/index.js";
import type { ClaimResult, ExperimentInfo, Question, Verdict } from "./types.js";

const QUESTIONS: Record<Question, string> = {
  Q1: "Q1 — a linear recurrence",
  Q2: "Q2 — one-hot word vectors versus dense embeddings",
  Q3: "Q3 — gradients through time in a sigmoid RNN",
  Q4: "Q4 — training sequence generators",
  Q5: "Q5 — recurrent networks designed by hand",
};

const TONE: Record<Verdict, Stat["tone"]> = {
  holds: "good",
  fails: "bad",
  partly: "warn",
  inconclusive: "neutral",
};

/** The lab report: a summary table of verdicts, then a section per claim, grouped by question. */
export function buildLabReport(
  results: readonly ClaimResult[],
  experiments: readonly ExperimentInfo[],
  meta: { quick: boolean; seconds: number; seed: number },
): Omit<PageOptions, "assets"> {
  const byId = new Map(experiments.map((e) => [e.id, e]));
  const count = (v: Verdict) => results.filter((r) => r.verdict === v).length;
  const summary: Section = {
    id: "verdicts",
    heading: "Verdicts",
    prose: `Every claim of the seed, evaluated as the seed states it by computation. ${meta.quick ? "Quick run (smaller sweeps, fewer seeds; same verdict logic). " : ""}${meta.seconds.toFixed(0)} s, seed ${meta.seed}.`,
    stats: [
      { label: "holds", value: count("holds"), tone: "good" },
      { label: "partly", value: count("partly"), tone: "warn" },
      { label: "fails", value: count("fails"), tone: "bad" },
      ...(count("inconclusive") > 0
        ? [{ label: "inconclusive", value: count("inconclusive"), tone: "neutral" as const }]
        : []),
    ],
    tables: [
      {
        kind: "grid",
        columns: ["claim", "verdict", { label: "what", width: "60%" }],
        rows: results.map((r) => [r.id, r.verdict, byId.get(r.id)?.title ?? ""]),
      },
    ],
  };
  const sections: Section[] = [summary];
  for (const question of Object.keys(QUESTIONS) as Question[]) {
    const inQuestion = results.filter((r) => byId.get(r.id)?.question === question);
    if (inQuestion.length === 0) continue;
    for (const [k, r] of inQuestion.entries()) {
      const experiment = byId.get(r.id) as ExperimentInfo;
      sections.push({
        id: `claim-${r.id.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`,
        heading: `${k === 0 ? `${QUESTIONS[question]}: ` : ""}${r.id} — ${experiment.title}`,
        prose: [
          `Claim: ${experiment.claim}`,
          `Evidence: ${r.evidence}`,
          ...(r.correction ? [`Correction: ${r.correction}`] : []),
        ],
        stats: [{ label: "verdict", value: r.verdict, tone: TONE[r.verdict] }],
        tables: r.tables,
        figures: r.figures,
      });
    }
  }
  return {
    title: "rnnlab lab: the seed's claims, computed",
    subtitle: "Five questions on recurrent networks, each claim settled by computation",
    sections,
    toc: true,
  };
}
