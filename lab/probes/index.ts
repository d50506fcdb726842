// The registry of probes: `rnnlab probe <name>` takes its names, options and help from here.

import { gradientRatioProbe } from "./gradient-ratio.js";
import { temporalOrderProbe } from "./temporal-order.js";
import type { Probe } from "./types.js";

export const probes: readonly Probe[] = [gradientRatioProbe, temporalOrderProbe];

export { readOptions } from "./options.js";
export type { OptionSpec, OptionValues, Probe, ProbeHooks, ProbeSummary } from "./types.js";
