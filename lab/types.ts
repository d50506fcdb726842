import type { Rng } from "../src/index.js";
import type { Figure, Table } from "../src/report/index.js";

// A claim of the seed (CLAIMS.md, under its stable id) and the computation that settles it, in three
// parts a test can call one by one: measure (numbers from the library), judge (the verdict from those
// numbers alone, a pure function) and describe (the evidence, the correction and the figures).

/** "inconclusive": the budget (a --quick run, say) measured too little to tell; never a flip. */
export type Verdict = "holds" | "fails" | "partly" | "inconclusive";
export const VERDICTS: readonly Verdict[] = ["holds", "partly", "fails", "inconclusive"];
export type Question = "Q1" | "Q2" | "Q3" | "Q4" | "Q5";

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
  /** The bundled corpus (tinyshakespeare), read by the caller: the library reads no files. */
  corpus(): string;
}

/** What describe writes for the page and the table. */
export interface Description {
  /** What was computed and what came out, with the figures (a counterexample where it fails). */
  evidence: string;
  /** The corrected statement, confirmed by the same computation; null when the claim holds as
   *  stated (for "partly", the condition under which it holds; for "inconclusive", what would settle it). */
  correction: string | null;
  figures?: Figure[];
  tables?: Table[];
}

export interface ClaimResult<Data = unknown> extends Description {
  /** The claim id of CLAIMS.md, e.g. "Q3.bound". */
  id: string;
  verdict: Verdict;
  /** The measured numbers behind the verdict (JSON-able), for scripts and tests. */
  data: Data;
}

/** What the registry, the CLI and the report need of an experiment, whatever its types. */
export interface ExperimentInfo {
  id: string;
  question: Question;
  /** A few words for the table and the report. */
  title: string;
  /** The claim as CLAIMS.md states it. */
  claim: string;
  /** Rough relative cost (seconds in a full run) for the progress bar. */
  cost: number;
}

/** `Stated`: the seed's literal formula, weights or numbers, as data (a test can change them and see
 *  the verdict follow). `Data`: what measure returns, judge reads and describe writes up. */
export interface Experiment<Stated, Data> extends ExperimentInfo {
  stated: Stated;
  measure(stated: Stated, ctx: LabContext): Data;
  judge(data: Data, stated: Stated): Verdict;
  describe(data: Data, verdict: Verdict, stated: Stated): Description;
}

export interface RunnableExperiment<Data = unknown> extends ExperimentInfo {
  /** measure → judge → describe, on `stated` (the experiment's own by default). */
  run(ctx: LabContext): ClaimResult<Data>;
}

export type DefinedExperiment<Stated, Data> = Experiment<Stated, Data> & {
  run(ctx: LabContext, stated?: Stated): ClaimResult<Data>;
};

export function defineExperiment<Stated, Data>(
  experiment: Experiment<Stated, Data>,
): DefinedExperiment<Stated, Data> {
  return {
    ...experiment,
    run(ctx, stated = experiment.stated) {
      const data = experiment.measure(stated, ctx);
      const verdict = experiment.judge(data, stated);
      return { id: experiment.id, verdict, ...experiment.describe(data, verdict, stated), data };
    },
  };
}
