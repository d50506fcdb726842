import type { Rng } from "../random.js";
import type { Figure, Table } from "../report/page.js";

// A claim of the seed (shared/seed/CLAIMS.md, under its stable id) and the computation that settles
// it. The claim's formula or weights are data (`Experiment.data`), so a test can change them and see
// the verdict follow.

export type Verdict = "holds" | "fails" | "partly";
export type Question = "Q1" | "Q2" | "Q3" | "Q4" | "Q5";

export interface ClaimResult {
  /** The claim id of CLAIMS.md, e.g. "Q3.bound". */
  id: string;
  verdict: Verdict;
  /** What was computed and what came out, with the figures (a counterexample where it fails). */
  evidence: string;
  /** The corrected statement, confirmed by the same computation; null when the claim holds as stated
   *  (for "partly", the condition under which it holds). */
  correction: string | null;
  figures?: Figure[];
  tables?: Table[];
  /** The measured numbers behind the evidence (JSON-able), for scripts and tests. */
  data?: Record<string, unknown>;
}

export interface LabContext {
  /** Smaller sweeps and fewer seeds (same verdict logic): the whole lab in under 90 s. */
  quick: boolean;
  /** An independent generator per label, derived from the lab's seed: reordering or skipping
   *  experiments never changes another's numbers. */
  rng(label: string): Rng;
  /** One line of progress (the CLI shows it; tests ignore it). */
  progress(message: string): void;
  /** A computation shared by several claims (e.g. one training run), computed once per lab run. */
  shared<T>(key: string, compute: () => T): T;
  /** The bundled corpus (tinyshakespeare), read by the caller: the core reads no files. */
  corpus(): string;
}

export interface Experiment<C = unknown> {
  /** The claim id this experiment settles. */
  id: string;
  question: Question;
  /** A few words for the table and the report. */
  title: string;
  /** The claim as CLAIMS.md states it. */
  claim: string;
  /** The seed's literal formula, weights or numbers, as data the run reads. */
  data: C;
  /** Rough relative cost (seconds in a full run) for the progress bar. */
  cost: number;
  run(data: C, ctx: LabContext): ClaimResult;
}

export function defineExperiment<C>(experiment: Experiment<C>): Experiment<C> {
  return experiment;
}
