import type { RunnableExperiment } from "../types.js";
import { closedForm } from "./closed-form.js";
import { meaning } from "./meaning.js";
import { output } from "./output.js";
import { recurrence } from "./recurrence.js";

/** Q1, a linear recurrence h_t = x_t − h_{t−1}, y = σ(10 h_T): one experiment per claim, in CLAIMS.md order. */
export const q1: readonly RunnableExperiment[] = [recurrence, closedForm, output, meaning];
