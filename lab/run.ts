import type { ClaimResult, LabContext, RunnableExperiment } from "./types.js";

/** The experiments whose claim id starts with `only` (all when empty), in registry order. */
export function selectExperiments(all: readonly RunnableExperiment[], only = ""): RunnableExperiment[] {
  return all.filter((e) => e.id.startsWith(only));
}

/** Runs each experiment on its own claim data; `onDone` sees each result as it arrives. */
export function runLab(
  selected: readonly RunnableExperiment[],
  ctx: LabContext,
  onDone: (result: ClaimResult, experiment: RunnableExperiment, seconds: number) => void = () => {},
): ClaimResult[] {
  const results: ClaimResult[] = [];
  for (const experiment of selected) {
    ctx.progress(`${experiment.id}: ${experiment.title}`);
    const started = Date.now();
    const result = experiment.run(ctx);
    results.push(result);
    onDone(result, experiment, (Date.now() - started) / 1000);
  }
  return results;
}
