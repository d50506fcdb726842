import type { ClaimResult, Experiment, LabContext } from "./types.js";

/** The experiments whose claim id starts with `only` (all when empty), in registry order. */
export function selectExperiments(all: readonly Experiment<unknown>[], only = ""): Experiment<unknown>[] {
  return all.filter((e) => e.id.startsWith(only));
}

/** Runs each experiment on its own claim data; `onDone` sees each result as it arrives. */
export function runLab(
  selected: readonly Experiment<unknown>[],
  ctx: LabContext,
  onDone: (result: ClaimResult, experiment: Experiment<unknown>, seconds: number) => void = () => {},
): ClaimResult[] {
  const results: ClaimResult[] = [];
  for (const experiment of selected) {
    ctx.progress(`${experiment.id}: ${experiment.title}`);
    const started = Date.now();
    const result = experiment.run(experiment.data, ctx);
    if (result.id !== experiment.id)
      throw new Error(`experiment ${experiment.id} returned a result for ${result.id}`);
    results.push(result);
    onDone(result, experiment, (Date.now() - started) / 1000);
  }
  return results;
}
