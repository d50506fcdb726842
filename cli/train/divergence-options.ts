import type { Command } from "commander";
import { ConfigError } from "../../src/errors.js";
import { DEFAULT_DIVERGENCE_FACTOR } from "../../src/train/divergence-guard.js";

// `rnnlab train`'s divergence guard options. They are not stored in the checkpoint: like --threads,
// each invocation (--resume too) states its own.

/** The option names (commander's) that --resume accepts. */
export const DIVERGENCE_OPTIONS = ["divergenceFactor", "divergenceGuard"];

export interface DivergenceOptions {
  divergenceFactor?: string;
  /** false with --no-divergence-guard. */
  divergenceGuard: boolean;
}

export function addDivergenceOptions(command: Command): Command {
  return command
    .option(
      "--divergence-factor <x>",
      `stop the run (exit 3, the last sane checkpoint kept) when the training loss stays above x times max(ln V, unigram loss, first loss) for 5 steps (default ${DEFAULT_DIVERGENCE_FACTOR}); also stopped: NaN or infinite losses and gradient norms, weights above 1e4`,
    )
    .option("--no-divergence-guard", "train on whatever the loss and weights do");
}

/** The guard's factor, or null when it is off; a factor with --no-divergence-guard is refused. */
export function divergenceFactorFromOptions(options: DivergenceOptions): number | null {
  const given = options.divergenceFactor;
  if (options.divergenceGuard === false) {
    if (given !== undefined)
      throw new ConfigError(
        "--divergence-factor sets the guard that --no-divergence-guard turns off: give one of them",
      );
    return null;
  }
  if (given === undefined) return DEFAULT_DIVERGENCE_FACTOR;
  const factor = given.trim() === "" ? Number.NaN : Number(given);
  if (!(factor > 1) || !Number.isFinite(factor))
    throw new ConfigError(`--divergence-factor must be a number > 1, got '${given}'`);
  return factor;
}
