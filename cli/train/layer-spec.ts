import type { Command } from "commander";
import { ConfigError } from "../../src/errors.js";
import { dropoutFields, type RegularizationConfig } from "../../src/model/config.js";
import { BIDIRECTIONAL_LM } from "../../src/run/text-run.js";
import type { RunModelConfig } from "../../src/train/run-config.js";
import { decimalInteger } from "./limits.js";

// `rnnlab train`'s layer options (PyTorch's bias, bidirectional, proj_size) and dropout rates: their
// flags, and the model fields they give. A default leaves its field out of the stored run config
// (bias true, no projection, rate 0), so a run stored before these options existed compares equal.

/** The raw values commander gives for these options (`--no-bias` makes `bias` default true). */
export interface LayerOptions {
  cell: string;
  hidden: string;
  layers: string;
  bias?: boolean;
  bidirectional?: boolean;
  projSize?: string;
  dropout?: string;
  outputDropout?: string;
  inputDropout?: string;
  recurrentDropout?: string;
  zoneout?: string;
  cellZoneout?: string;
}

/** What each dropout flag does, for the help (the order of dropoutFields). */
const DROPOUT_HELP: Record<(typeof dropoutFields)[number], string> = {
  dropout: "dropout on each layer's outputs but the top one's (PyTorch's dropout; needs --layers 2+)",
  outputDropout: "dropout on the readout's input, the top layer's outputs",
  inputDropout: "variational dropout of each layer's input x_t: one mask per sequence (Gal & Ghahramani)",
  recurrentDropout: "variational dropout of h_{t-1} where it enters W_hh: one mask per sequence",
  zoneout: "zoneout: each unit of h_t keeps h_{t-1} with probability p (Krueger et al.)",
  cellZoneout: "lstm: zoneout of the cell state c_t",
};

const kebab = (name: string) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** Adds the options to `rnnlab train`, in help order. */
export function addLayerOptions(command: Command): Command {
  command
    .option("--no-bias", "no biases b_ih, b_hh in the recurrent layers (PyTorch's bias=False)")
    .option("--bidirectional", "a reverse direction per layer (classify and tag; not a language model)")
    .option("--no-bidirectional", "tag: one direction only (a tagger is bidirectional unless told)")
    .option("--proj-size <n>", "lstm: project h to n < --hidden units, h = W_hr (o ⊙ tanh c) (0: none)", "0");
  for (const name of dropoutFields) command.option(`${kebab(name)} <p>`, `${DROPOUT_HELP[name]} (0)`);
  return command;
}

/** A probability of dropping, in [0, 1). */
function rate(value: string, flag: string): number {
  const p = Number(value);
  if (value.trim() === "" || !Number.isFinite(p) || p < 0 || p >= 1)
    throw new ConfigError(`${flag} must be a probability in [0, 1), got '${value}'`);
  return p;
}

/** The checked layer options and dropout rates of the options, only those other than the default.
 *  `task` is the run's task: a language model ("lm") refuses --bidirectional. */
export function layerOptionsFromOptions(
  o: LayerOptions,
  task = "lm",
): Pick<RunModelConfig, "bias" | "bidirectional" | "projSize"> & RegularizationConfig {
  const fields: Pick<RunModelConfig, "bias" | "bidirectional" | "projSize"> & RegularizationConfig = {};
  if (o.bias === false) fields.bias = false;
  if (o.bidirectional) {
    if (task === "lm") throw new ConfigError(`--bidirectional: ${BIDIRECTIONAL_LM}`);
    fields.bidirectional = true;
  } else if (o.bidirectional === false) {
    fields.bidirectional = false;
  }
  const projSize = projection(o);
  if (projSize > 0) fields.projSize = projSize;
  for (const name of dropoutFields) {
    const value = o[name];
    if (value === undefined) continue;
    const p = rate(value, kebab(name));
    if (p > 0) fields[name] = p;
  }
  if (fields.dropout && o.layers.trim() === "1") {
    throw new ConfigError(
      "--dropout acts between stacked layers and --layers is 1: give --layers 2 or more, or use --output-dropout",
    );
  }
  if (fields.cellZoneout && o.cell !== "lstm") {
    throw new ConfigError(
      `--cell-zoneout is for --cell lstm (its cell state c), not ${o.cell}: use --zoneout`,
    );
  }
  return fields;
}

/** --proj-size: 0 (none), or for an LSTM fewer units than --hidden (PyTorch's rule). */
function projection(o: LayerOptions): number {
  const text = o.projSize ?? "0";
  const n = decimalInteger(text);
  if (!Number.isInteger(n) || n < 0)
    throw new ConfigError(`--proj-size must be an integer >= 0 (0: none), got '${text}'`);
  if (n === 0) return 0;
  if (o.cell !== "lstm") throw new ConfigError(`--proj-size is for --cell lstm, not ${o.cell}: drop it`);
  if (n >= Number(o.hidden)) {
    throw new ConfigError(
      `--proj-size ${n} must be smaller than --hidden ${o.hidden}: give a smaller --proj-size, or 0 for none`,
    );
  }
  return n;
}
