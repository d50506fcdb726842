// Q5b.task: two binary sequences, y_t = 1 while they have agreed at every step.

import { Q5B_CORRECTED_HIDDEN, Q5B_SEED_OUTPUT, q5bNetwork } from "../wired/networks.js";
import { pairSequence, SEQUENCE_EQUAL } from "../wired/tasks.js";
import { taskExperiment } from "./task-experiment.js";

export const sequenceEqualTask = taskExperiment({
  id: "Q5b.task",
  title: "the two-sequence equality task",
  claim:
    "Two binary input sequences $m_1$, $m_2$; the output $y_t$ is 1 exactly when the two sequences agree at every step 1..t.",
  task: SEQUENCE_EQUAL,
  stated: {
    allowed: [
      [0, 0],
      [1, 1],
    ],
    network: q5bNetwork(Q5B_CORRECTED_HIDDEN, Q5B_SEED_OUTPUT, "Q5b (corrected)"),
    examples: ["00", "01", "00 11", "00 11 01", "11 00 00 11", "10 00"].map(pairSequence),
  },
});
