// Hand-wired recurrent networks as plain data: every weight, bias, activation and initial state is a
// JSON-able number or name, so a network can be printed, edited, saved and run like any model. Run in
// float64. Layer l reads layer l − 1 at the same step (layer 0 reads the input x_t) and its own state
// at the previous step:
//   h^l_t = act_l(inputWeights_l · h^{l−1}_t + recurrentWeights_l · h^l_{t−1} + bias_l),  h^l_0 = initial_l
// and the output is y_t = act(readout.weights · h^top_t + readout.bias), or h^top_t without a readout.

import { ConfigError } from "../../src/index.js";
import { type ActivationName, makeActivation } from "../../src/kernels/index.js";
import { formatNumber } from "../../src/report/index.js";

/** A unit's activation: any of the library's (its registry `activationNames`); a wired net has no
 *  kinds of its own. */
export type WiredActivation = ActivationName;

export interface WiredLayer {
  size: number;
  /** One of the library's activations (step(a) = 1 if a >= 0 else 0: step(0) = 1). */
  activation: WiredActivation;
  /** [size][width of the layer below] (layer 0: of the input). */
  inputWeights: number[][];
  /** [size][size]: the weights of this layer's own state at t − 1. */
  recurrentWeights: number[][];
  bias: number[];
  /** h_0 of this layer. */
  initial: number[];
  /** Names of the units in printed equations (default h, or h1, h2, …). */
  names?: string[];
}

export interface WiredReadout {
  /** [outputs][size of the top layer]. */
  weights: number[][];
  bias: number[];
  activation: WiredActivation;
  names?: string[];
}

export interface WiredNet {
  name: string;
  description: string;
  layers: WiredLayer[];
  readout?: WiredReadout;
  /** Names of the inputs in printed equations (default x, or x1, x2, …). */
  inputNames?: string[];
}

export interface WiredRun {
  /** states[l][t] = h^l_t for t = 0..T (index 0 is the initial state h_0). */
  states: number[][][];
  /** outputs[t − 1] = y_t for t = 1..T. */
  outputs: number[][];
}

export function applyActivation(name: WiredActivation, z: number): number {
  return makeActivation(name).apply(z);
}

export function inputSizeOf(net: WiredNet): number {
  return net.layers[0].inputWeights[0]?.length ?? 0;
}

export function outputSizeOf(net: WiredNet): number {
  return net.readout ? net.readout.bias.length : net.layers[net.layers.length - 1].size;
}

// ---------------------------------------------------------------------------------------------------
// Running

/**
 * A network flattened for tight loops: the state of all layers is one vector of `stateSize` numbers
 * (layer 0's units first). `step` reads the previous state and an input and writes the next state;
 * `output` writes y from a state. No allocation per step.
 */
export interface CompiledWired {
  readonly inputSize: number;
  readonly stateSize: number;
  readonly outputSize: number;
  /** The initial state h_0 of every layer. */
  readonly initial: Float64Array;
  step(
    prev: Float64Array,
    prevOffset: number,
    x: ArrayLike<number>,
    xOffset: number,
    next: Float64Array,
    nextOffset: number,
  ): void;
  output(state: Float64Array, stateOffset: number, y: Float64Array, yOffset: number): void;
}

export function compileWired(net: WiredNet): CompiledWired {
  const inputSize = inputSizeOf(net);
  const layers = net.layers.map((layer, l) => ({
    size: layer.size,
    width: l === 0 ? inputSize : net.layers[l - 1].size,
    apply: makeActivation(layer.activation).apply,
    win: Float64Array.from(layer.inputWeights.flat()),
    wrec: Float64Array.from(layer.recurrentWeights.flat()),
    bias: Float64Array.from(layer.bias),
  }));
  const offsets: number[] = [];
  let stateSize = 0;
  for (const layer of layers) {
    offsets.push(stateSize);
    stateSize += layer.size;
  }
  const initial = Float64Array.from(net.layers.flatMap((layer) => layer.initial));
  const top = layers[layers.length - 1];
  const topOffset = offsets[offsets.length - 1];
  const readout = net.readout
    ? {
        w: Float64Array.from(net.readout.weights.flat()),
        b: Float64Array.from(net.readout.bias),
        apply: makeActivation(net.readout.activation).apply,
      }
    : null;
  const outputSize = outputSizeOf(net);
  return {
    inputSize,
    stateSize,
    outputSize,
    initial,
    step(prev, po, x, xo, next, no) {
      for (let l = 0; l < layers.length; l++) {
        const { size, width, apply, win, wrec, bias } = layers[l];
        const own = offsets[l];
        // The layer below at this step: the input for layer 0, else the state just written.
        const below: ArrayLike<number> = l === 0 ? x : next;
        const bo = l === 0 ? xo : no + offsets[l - 1];
        for (let j = 0; j < size; j++) {
          let z = bias[j];
          for (let k = 0; k < width; k++) z += win[j * width + k] * below[bo + k];
          for (let k = 0; k < size; k++) z += wrec[j * size + k] * prev[po + own + k];
          next[no + own + j] = apply(z);
        }
      }
    },
    output(state, so, y, yo) {
      if (!readout) {
        for (let j = 0; j < top.size; j++) y[yo + j] = state[so + topOffset + j];
        return;
      }
      for (let o = 0; o < outputSize; o++) {
        let z = readout.b[o];
        for (let k = 0; k < top.size; k++) z += readout.w[o * top.size + k] * state[so + topOffset + k];
        y[yo + o] = readout.apply(z);
      }
    },
  };
}

/** Runs the network on inputs[t − 1] = x_t (t = 1..T), in float64. */
export function runWired(net: WiredNet, inputs: readonly (readonly number[])[]): WiredRun {
  const c = compileWired(net);
  const T = inputs.length;
  const S = c.stateSize;
  const states = new Float64Array((T + 1) * S);
  states.set(c.initial);
  const y = new Float64Array(T * c.outputSize);
  for (let t = 1; t <= T; t++) {
    const x = inputs[t - 1];
    if (x.length !== c.inputSize) {
      throw new ConfigError(`runWired: x_${t} has ${x.length} entries, ${net.name} takes ${c.inputSize}`);
    }
    c.step(states, (t - 1) * S, x, 0, states, t * S);
    c.output(states, t * S, y, (t - 1) * c.outputSize);
  }
  let offset = 0;
  const perLayer = net.layers.map((layer) => {
    const o = offset;
    offset += layer.size;
    return Array.from({ length: T + 1 }, (_, t) =>
      Array.from(states.subarray(t * S + o, t * S + o + layer.size)),
    );
  });
  const outputs = Array.from({ length: T }, (_, t) =>
    Array.from(y.subarray(t * c.outputSize, (t + 1) * c.outputSize)),
  );
  return { states: perLayer, outputs };
}

// ---------------------------------------------------------------------------------------------------
// Printing

/** A weight as printed in equations: the lab's number formatter, to 6 significant digits. */
const formatWeight = (v: number): string => formatNumber(v, 6);

function defaultNames(prefix: string, n: number): string[] {
  return n === 1 ? [prefix] : Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
}

/** Σ w_k·name_k + b as text, skipping zero terms: "1·x_t − 1·h_{t-1} − 1.5". */
function affine(terms: [number, string][], bias: number): string {
  const parts: string[] = [];
  for (const [w, name] of terms) {
    if (w === 0) continue;
    const body = `${formatWeight(Math.abs(w))}·${name}`;
    parts.push(parts.length === 0 ? (w < 0 ? `−${body}` : body) : `${w < 0 ? "−" : "+"} ${body}`);
  }
  if (bias !== 0 || parts.length === 0) {
    const b = formatWeight(Math.abs(bias));
    parts.push(parts.length === 0 ? (bias < 0 ? `−${b}` : b) : `${bias < 0 ? "−" : "+"} ${b}`);
  }
  return parts.join(" ");
}

const wrap = (activation: WiredActivation, body: string) =>
  activation === "identity" ? body : `${activation}(${body})`;

/** A network's equations with its numbers: one per unit (layers, then the readout), the initial
 *  states, and what step means when a layer uses it. */
export interface WiredEquations {
  units: string[];
  initial: string;
  stepNote: string | null;
}

export function wiredEquations(net: WiredNet): WiredEquations {
  const inputNames = net.inputNames ?? defaultNames("x", inputSizeOf(net));
  const layerNames = net.layers.map(
    (layer, l) => layer.names ?? defaultNames(net.layers.length === 1 ? "h" : `h${l + 1}.`, layer.size),
  );
  const units: string[] = [];
  net.layers.forEach((layer, l) => {
    const below = l === 0 ? inputNames : layerNames[l - 1];
    const own = layerNames[l];
    for (let j = 0; j < layer.size; j++) {
      const terms: [number, string][] = [
        ...layer.inputWeights[j].map((w, k): [number, string] => [w, `${below[k]}_t`]),
        ...layer.recurrentWeights[j].map((w, k): [number, string] => [w, `${own[k]}_{t-1}`]),
      ];
      units.push(`${own[j]}_t = ${wrap(layer.activation, affine(terms, layer.bias[j]))}`);
    }
  });
  const readout = net.readout;
  if (readout) {
    const top = layerNames[layerNames.length - 1];
    const names = readout.names ?? defaultNames("y", readout.bias.length);
    readout.weights.forEach((row, o) => {
      const terms = row.map((w, k): [number, string] => [w, `${top[k]}_t`]);
      units.push(`${names[o]}_t = ${wrap(readout.activation, affine(terms, readout.bias[o]))}`);
    });
  }
  const initial = net.layers
    .flatMap((layer, l) => layer.initial.map((v, j) => `${layerNames[l][j]}_0 = ${formatWeight(v)}`))
    .join(", ");
  const usesStep = net.layers.some((layer) => layer.activation === "step");
  return { units, initial, stepNote: usesStep ? "step(a) = 1 if a >= 0 else 0" : null };
}

/** The network's name, its equations with their numbers (one line per unit), then the initial states. */
export function formatWired(net: WiredNet): string {
  const { units, initial, stepNote } = wiredEquations(net);
  const title = `${net.name}${net.description ? ` — ${net.description}` : ""}`;
  return [title, ...units, initial, ...(stepNote ? [stepNote] : [])].join("\n");
}

/** A deep copy (the networks are plain data: edit the copy freely). */
export function cloneWired(net: WiredNet): WiredNet {
  return structuredClone(net);
}
