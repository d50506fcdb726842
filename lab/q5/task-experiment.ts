// Q5a.task and Q5b.task: a task is defined, not claimed. It holds when the reference implementation
// the other Q5 checks use (the task's automaton, lab/wired/tasks.ts) agrees with the definition taken
// literally (`allowed`) on every sequence up to a length, and the corrected hand-wired network solves
// the task on every sequence up to the exhaustive length and on long random ones.

import { formatNumber, type Table } from "../../src/report/index.js";
import { defineExperiment, type DefinedExperiment, type LabContext, type Verdict } from "../types.js";
import { DECISION_THRESHOLD } from "../wired/check.js";
import { runWired, type WiredNet } from "../wired/net.js";
import {
  type CheckCounts,
  checkNet,
  describeCheck,
  equations,
  type NetCheck,
  networksTable,
  sizes,
  solves,
} from "../wired/summary.js";
import {
  allSequences,
  type BinaryTask,
  definitionTargets,
  formatSequence,
  taskTargets,
} from "../wired/tasks.js";

export interface TaskStated {
  /** The definition: y_t = 1 iff every input x_1..x_t is one of these symbols. */
  allowed: number[][];
  /** The hand-wired network that should solve it (the corrected one). */
  network: WiredNet;
  /** Sequences shown in the report, e.g. [[1], [1], [0]]. */
  examples: number[][][];
}

export interface TaskData {
  /** Every sequence of this length was compared, so every shorter one as a prefix. */
  definitionLength: number;
  sequences: number;
  /** Sequences on which the reference and the definition give different targets somewhere. */
  mismatches: number;
  firstMismatch: string | null;
  network: NetCheck;
  /** The examples step by step: targets and the network's decisions as strings of 0s and 1s. */
  examples: { input: string; definition: string; reference: string; network: string }[];
}

/** What the verdict reads: the mismatches and the network's wrong outputs. */
export interface TaskCounts {
  mismatches: number;
  network: CheckCounts;
}

export function judgeTask(data: TaskCounts): Verdict {
  return data.mismatches === 0 && solves(data.network) ? "holds" : "fails";
}

/** The reference against the definition on every sequence of length L (y_t of a length-L sequence
 *  is y_t of its length-t prefix, so every shorter sequence is compared too). */
function compareDefinition(task: BinaryTask, allowed: number[][], L: number) {
  let sequences = 0;
  let mismatches = 0;
  let firstMismatch: string | null = null;
  for (const seq of allSequences(task.inputSize, L)) {
    sequences++;
    const reference = taskTargets(task, seq);
    const definition = definitionTargets(allowed, seq);
    if (reference.some((v, t) => v !== definition[t])) {
      mismatches++;
      firstMismatch ??= `${formatSequence(seq)}: reference ${reference.join("")}, definition ${definition.join("")}`;
    }
  }
  return { sequences, mismatches, firstMismatch };
}

function measureTask(id: string, task: BinaryTask, stated: TaskStated, ctx: LabContext): TaskData {
  ctx.progress(`${id}: the task's reference against its definition`);
  const definitionLength = sizes(ctx).definition[task.inputSize];
  const examples = stated.examples.map((seq) => ({
    input: formatSequence(seq),
    definition: definitionTargets(stated.allowed, seq).join(""),
    reference: taskTargets(task, seq).join(""),
    network: runWired(stated.network, seq)
      .outputs.map((y) => (y[0] >= DECISION_THRESHOLD ? 1 : 0))
      .join(""),
  }));
  return {
    definitionLength,
    ...compareDefinition(task, stated.allowed, definitionLength),
    network: checkNet(ctx, stated.network, task),
    examples,
  };
}

function describeTask(task: BinaryTask, data: TaskData, verdict: Verdict, stated: TaskStated) {
  const allowed = stated.allowed.map((a) => a.join("")).join(" or ");
  const net = data.network.net;
  const evidence =
    `Definition, literally: $y_t = 1$ iff every input so far is ${allowed}. The reference implementation (${task.definition}, ` +
    `a two-state automaton) against it on all ${formatNumber(data.sequences)} ${task.inputSize === 1 ? "sequences" : "pairs of sequences"} ` +
    `of length ${data.definitionLength} (so every prefix): ${data.mismatches} disagree${data.firstMismatch ? ` (first: ${data.firstMismatch})` : ""}. ` +
    `The hand-wired network ${net.name} (${equations(net, true)}) on the reference: ${describeCheck(data.network, task.inputSize)}.`;
  const intended = task.inputSize === 1 ? "1" : "a pair of equal bits";
  const correction =
    verdict === "holds"
      ? null
      : data.mismatches > 0
        ? `The task as the seed states it is $y_t = 1$ iff every input so far is ${intended}; ` +
          `the definition given (every input so far is ${allowed}) is another task.`
        : `${net.name} does not solve the task: see Q5${task.inputSize === 1 ? "a.weights" : "b.hidden and Q5b.output"} for the weights that do.`;
  const examples: Table = {
    kind: "grid",
    title: "Examples: the definition, the reference implementation and the network, step by step",
    columns: ["input", "definition y", "reference y", "network y"],
    rows: data.examples.map((e) => [e.input, e.definition, e.reference, e.network]),
  };
  return { evidence, correction, tables: [examples, networksTable("The network checked", [net])] };
}

export function taskExperiment(options: {
  id: string;
  title: string;
  claim: string;
  task: BinaryTask;
  stated: TaskStated;
}): DefinedExperiment<TaskStated, TaskData> {
  const { task } = options;
  return defineExperiment<TaskStated, TaskData>({
    id: options.id,
    question: "Q5",
    title: options.title,
    claim: options.claim,
    stated: options.stated,
    cost: task.inputSize === 1 ? 0.3 : 2,
    measure: (stated, ctx) => measureTask(options.id, task, stated, ctx),
    judge: judgeTask,
    describe: (data, verdict, stated) => describeTask(task, data, verdict, stated),
  });
}
