// Q5a.task: the sequence AND, y_t = 1 while every input so far is 1.

import { Q5A_CORRECTED, q5aNetwork } from "../wired/networks.js";
import { SEQUENCE_AND } from "../wired/tasks.js";
import { taskExperiment } from "./task-experiment.js";

const bits = (text: string) => [...text].map((c) => [Number(c)]);

export const sequenceAndTask = taskExperiment({
  id: "Q5a.task",
  title: "the sequence-AND task",
  claim: "One binary input sequence; the output is 1 as long as every input so far is 1.",
  task: SEQUENCE_AND,
  stated: {
    allowed: [[1]],
    network: q5aNetwork(Q5A_CORRECTED, "Q5a (corrected)"),
    examples: ["1", "0", "111", "1101", "11110", "0111", "1111111"].map(bits),
  },
});
