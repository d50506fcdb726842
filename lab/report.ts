import { type PageOptions, rawHtml, type Section, type Stat, textHtml } from "../src/report/index.js";
import type { ClaimResult, ExperimentInfo, Question, Verdict } from "./types.js";

/** The questions' headings, in order (the report and the web lab's Lab view). */
export const QUESTIONS: Record<Question, string> = {
  Q1: "Q1 — a linear recurrence",
  Q2: "Q2 — one-hot word vectors versus dense embeddings",
  Q3: "Q3 — gradients through time in a sigmoid RNN",
  Q4: "Q4 — training sequence generators",
  Q5: "Q5 — recurrent networks designed by hand",
};

/** How a verdict is coloured (the report and the web lab's Lab view). */
export const TONE: Record<Verdict, NonNullable<Stat["tone"]>> = {
  holds: "good",
  fails: "bad",
  partly: "warn",
  inconclusive: "neutral",
};

/** The id of a claim's section: "Q5b.hidden" → "claim-q5b-hidden". */
export function claimSectionId(id: string): string {
  return `claim-${id.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
}

/**
 * The lab report: the verdicts (counts, and a table linking to each claim), then one collapsible
 * section per question holding a section per claim; the contents list every claim with its verdict.
 */
export function buildLabReport(
  results: readonly ClaimResult[],
  experiments: readonly ExperimentInfo[],
  meta: { quick: boolean; seconds: number; seed: number },
): Omit<PageOptions, "assets"> {
  const byId = new Map(experiments.map((e) => [e.id, e]));
  const sections: Section[] = [verdictsSection(results, byId, meta)];
  for (const question of Object.keys(QUESTIONS) as Question[]) {
    const inQuestion = results.filter((r) => byId.get(r.id)?.question === question);
    if (inQuestion.length === 0) continue;
    sections.push({
      id: question.toLowerCase(),
      heading: QUESTIONS[question],
      tag: { label: verdictCounts(inQuestion) },
      collapsible: "closed",
      subsections: inQuestion.map((r) => claimSection(r, byId.get(r.id) as ExperimentInfo)),
    });
  }
  return {
    title: "rnnlab lab: the seed's claims, computed",
    subtitle: "Five questions on recurrent networks, each claim settled by computation",
    sections,
    toc: true,
  };
}

function verdictsSection(
  results: readonly ClaimResult[],
  byId: Map<string, ExperimentInfo>,
  meta: { quick: boolean; seconds: number; seed: number },
): Section {
  const count = (v: Verdict) => results.filter((r) => r.verdict === v).length;
  const stat = (v: Verdict): Stat => ({ label: v, value: count(v), tone: TONE[v] });
  const quick = meta.quick ? "Quick run (smaller sweeps, fewer seeds; same verdict logic). " : "";
  return {
    id: "verdicts",
    heading: "Verdicts",
    prose: `Every claim of the seed, evaluated as the seed states it by computation. ${quick}${meta.seconds.toFixed(0)} s, seed ${meta.seed}. Each question below opens on a click; a claim's link opens its question.`,
    stats: [
      stat("holds"),
      stat("partly"),
      stat("fails"),
      ...(count("inconclusive") > 0 ? [stat("inconclusive")] : []),
    ],
    tables: [
      {
        kind: "grid",
        columns: ["claim", "verdict", "what"],
        rows: results.map((r) => [
          rawHtml(`<a class="nowrap" href="#${claimSectionId(r.id)}">${textHtml(r.id)}</a>`),
          rawHtml(`<span class="tag tone-${TONE[r.verdict]}">${r.verdict}</span>`),
          byId.get(r.id)?.title ?? "",
        ]),
      },
    ],
  };
}

function claimSection(r: ClaimResult, experiment: ExperimentInfo): Section {
  return {
    id: claimSectionId(r.id),
    heading: `${r.id} — ${experiment.title}`,
    tocLabel: r.id,
    tag: { label: r.verdict, tone: TONE[r.verdict] },
    prose: [
      labelled("Claim", experiment.claim),
      labelled("Evidence", r.evidence),
      ...(r.correction ? [labelled("Correction", r.correction)] : []),
    ],
    tables: r.tables,
    figures: r.figures,
  };
}

/** Paragraphs of text (split at blank lines), the first led by a bold label. */
function labelled(label: string, text: string) {
  const paragraphs = text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p, i) => `<p>${i === 0 ? `<strong>${label}:</strong> ` : ""}${textHtml(p)}</p>`);
  return rawHtml(paragraphs.join("\n"));
}

/** "3 hold, 1 partly, 1 fails": how many claims of a question have each verdict. */
function verdictCounts(results: readonly ClaimResult[]): string {
  const words: Record<Verdict, [string, string]> = {
    holds: ["holds", "hold"],
    partly: ["partly", "partly"],
    fails: ["fails", "fail"],
    inconclusive: ["inconclusive", "inconclusive"],
  };
  return (Object.keys(words) as Verdict[])
    .map((v) => [v, results.filter((r) => r.verdict === v).length] as const)
    .filter(([, n]) => n > 0)
    .map(([v, n]) => `${n} ${words[v][n === 1 ? 0 : 1]}`)
    .join(", ");
}
