// Q5a.task and Q5b.task: a task is defined, not claimed. The verdict is `holds` when the reference
// implementation the other Q5 checks use (the task's automaton, src/lab/wired/tasks.ts) agrees with
// the definition taken literally (data.allowed) on every sequence up to a length, and the corrected
// hand-wired network (data.network) solves the task on every sequence up to the exhaustive length.

import type { Table } from "../../report/page.js";
import { defineExperiment, type Experiment, type Question, type Verdict } from "../types.js";
import { formatWired, runWired, type WiredNet } from "../wired/net.js";
import { checkNet, describeCheck, group, networksTable, sizes } from "../wired/summary.js";
import {
  allSequences,
  type BinaryTask,
  definitionTargets,
  formatSequence,
  taskTargets,
} from "../wired/tasks.js";

export interface TaskData {
  /** The definition: y_t = 1 iff every input x_1..x_t is one of these symbols. */
  allowed: number[][];
  /** The hand-wired network that should solve it (the corrected one). */
  network: WiredNet;
  /** Sequences shown in the report, e.g. [[1], [1], [0]]. */
  examples: number[][][];
}

export function taskExperiment(options: {
  id: string;
  question: Question;
  title: string;
  claim: string;
  task: BinaryTask;
  data: TaskData;
}): Experiment<TaskData> {
  const { id, task } = options;
  return defineExperiment<TaskData>({
    id,
    question: options.question,
    title: options.title,
    claim: options.claim,
    data: options.data,
    cost: task.inputSize === 1 ? 0.3 : 2,
    run(data, ctx) {
      ctx.progress(`${id}: the task's reference against its definition`);
      // 1. The reference implementation against the definition, literally, on every sequence.
      const L = sizes(ctx).definition[task.inputSize];
      let sequences = 0;
      let mismatches = 0;
      let firstMismatch: string | null = null;
      for (const seq of allSequences(task.inputSize, L)) {
        // Every prefix is compared too: y_t of the length-L sequence is y_t of its length-t prefix.
        sequences++;
        const ref = taskTargets(task, seq);
        const def = definitionTargets(data.allowed, seq);
        if (ref.some((v, t) => v !== def[t])) {
          mismatches++;
          firstMismatch ??= `${formatSequence(seq)}: reference ${ref.join("")}, definition ${def.join("")}`;
        }
      }
      // 2. The corrected network on the task.
      const check = checkNet(ctx, data.network, task);
      const verdict: Verdict = mismatches === 0 && check.correct ? "holds" : "fails";
      const allowed = data.allowed.map((a) => a.join("")).join(" or ");
      const evidence =
        `Definition, literally: y_t = 1 iff every input so far is ${allowed}. The reference implementation (${task.description}, ` +
        `a two-state automaton) against it on all ${group(sequences)} ${task.inputSize === 1 ? "sequences" : "pairs of sequences"} ` +
        `of length ${L} (so every prefix): ${mismatches} disagree${firstMismatch ? ` (first: ${firstMismatch})` : ""}. ` +
        `The hand-wired network ${data.network.name} (${formatWired(data.network).split("\n").slice(1, -1).join("; ")}) on the reference: ` +
        `${describeCheck(check, task.inputSize)}.`;
      const correction =
        verdict === "holds"
          ? null
          : mismatches > 0
            ? `The task as the seed states it is y_t = 1 iff every input so far is ${task.inputSize === 1 ? "1" : "a pair of equal bits"}; ` +
              `the definition given (every input so far is ${allowed}) is another task.`
            : `${data.network.name} does not solve the task: see Q5${task.inputSize === 1 ? "a.weights" : "b.hidden and Q5b.output"} for the weights that do.`;
      const examples: Table = {
        kind: "grid",
        title: "Examples: the definition, the reference implementation and the network, step by step",
        columns: ["input", "definition y", "reference y", "network y"],
        rows: data.examples.map((seq) => [
          formatSequence(seq),
          definitionTargets(data.allowed, seq).join(""),
          taskTargets(task, seq).join(""),
          runWired(data.network, seq)
            .outputs.map((y) => (y[0] >= 0.5 ? 1 : 0))
            .join(""),
        ]),
      };
      return {
        id,
        verdict,
        evidence,
        correction,
        tables: [examples, networksTable("The network checked", [data.network])],
        data: {
          definitionLength: L,
          sequences,
          mismatches,
          network: {
            wrong: check.exhaustive.wrong,
            outputs: check.exhaustive.outputs,
            maxLength: check.exhaustive.maxLength,
            randomWrong: check.random.wrong,
            provedAllLengths: check.proof.proved,
          },
        },
      };
    },
  });
}
