import type { ClaimResult, ExperimentInfo, Question, Verdict } from "../../lab/types.ts";

// The messages between the Lab view and its worker (lab-worker.ts). The page sends one request at a
// time and the next only after the worker has answered it with done or failed.

export interface RunRequest {
  type: "run";
  id: string;
  /** A new lab context (nothing shared with earlier runs): a rerun computes the claim from scratch. */
  fresh: boolean;
  /** The bundled corpus's address, resolved against the page (ctx.corpus() reads it). */
  corpusUrl: string;
}

/** A claim's result without its measured data, which the page never reads and need not copy. */
export type ClaimOutcome = Omit<ClaimResult, "data">;

export type LabReply =
  | {
      type: "catalogue";
      claims: ExperimentInfo[];
      questions: Record<Question, string>;
      tones: Record<Verdict, string>;
    }
  | { type: "progress"; id: string; message: string }
  | { type: "done"; id: string; result: ClaimOutcome; seconds: number }
  | { type: "failed"; id: string; message: string };
