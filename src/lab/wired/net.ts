// Hand-wired recurrent networks as plain data: every weight, bias, activation and initial state is a
// JSON-able number or name, so a network can be printed, edited, saved and run like any model. Run in
// float64. Layer l reads layer l − 1 at the same step (layer 0 reads the input x_t) and its own state
// at the previous step:
//   h^l_t = act_l(inputWeights_l · h^{l−1}_t + recurrentWeights_l · h^l_{t−1} + bias_l),  h^l_0 = initial_l
// and the output is y_t = act(readout.weights · h^top_t + readout.bias), or h^top_t without a readout.

import { ConfigError } from "../../errors.js";

export type WiredActivation = "identity" | "tanh" | "sigmoid" | "relu" | "step";
export const WIRED_ACTIVATIONS: readonly WiredActivation[] = ["identity", "tanh", "sigmoid", "relu", "step"];

export interface WiredLayer {
  size: number;
  /** identity, tanh, sigmoid, relu or step (step(a) = 1 if a >= 0 else 0: step(0) = 1). */
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
  switch (name) {
    case "identity":
      return z;
    case "tanh":
      return Math.tanh(z);
    case "sigmoid":
      return 1 / (1 + Math.exp(-z));
    case "relu":
      return Math.max(z, 0);
    case "step":
      return z >= 0 ? 1 : 0;
  }
}

export function inputSizeOf(net: WiredNet): number {
  return net.layers[0].inputWeights[0]?.length ?? 0;
}

export function outputSizeOf(net: WiredNet): number {
  return net.readout ? net.readout.bias.length : net.layers[net.layers.length - 1].size;
}

// ---------------------------------------------------------------------------------------------------
// Validation

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Checks a network given as data (an object or JSON text) and returns it typed. Every problem found
 * is one line of the ConfigError's message: shapes, unknown activations, non-finite numbers.
 */
export function parseWired(json: unknown): WiredNet {
  let value = json;
  if (typeof json === "string") {
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new ConfigError(`wired network: not valid JSON (${(error as Error).message})`);
    }
  }
  const problems: string[] = [];
  if (!isRecord(value)) throw new ConfigError("wired network: expected an object { name, layers, ... }");
  if (typeof value.name !== "string" || value.name === "") problems.push("name: expected a non-empty string");
  if (value.description !== undefined && typeof value.description !== "string")
    problems.push("description: expected a string");
  const layers = value.layers;
  let width: number | null = null;
  if (!Array.isArray(layers) || layers.length === 0) {
    problems.push("layers: expected a non-empty array of layers");
  } else {
    layers.forEach((layer, l) => {
      width = checkLayer(layer, `layers[${l}]`, l === 0 ? null : width, problems);
    });
  }
  if (value.readout !== undefined) checkReadout(value.readout, width, problems);
  if (value.inputNames !== undefined) checkNames(value.inputNames, "inputNames", null, problems);
  if (problems.length > 0)
    throw new ConfigError(`wired network: ${problems.length} problem(s)\n${problems.join("\n")}`);
  const net = value as unknown as WiredNet;
  return { ...net, description: net.description ?? "" };
}

/** Checks one layer; returns its size (or null when unknown) for the next layer's input width. */
function checkLayer(layer: unknown, at: string, below: number | null, problems: string[]): number | null {
  if (!isRecord(layer)) {
    problems.push(
      `${at}: expected an object { size, activation, inputWeights, recurrentWeights, bias, initial }`,
    );
    return null;
  }
  const size = layer.size;
  const sizeOk = typeof size === "number" && Number.isInteger(size) && size >= 1;
  if (!sizeOk) problems.push(`${at}.size: expected a positive integer, got ${JSON.stringify(size)}`);
  const n = sizeOk ? (size as number) : null;
  checkActivation(layer.activation, `${at}.activation`, problems);
  // Layer 0's input width is whatever its first row says; the others read the layer below.
  const inputWidth =
    below ??
    (Array.isArray(layer.inputWeights) && Array.isArray(layer.inputWeights[0])
      ? layer.inputWeights[0].length
      : null);
  if (below === null && inputWidth === 0)
    problems.push(`${at}.inputWeights: rows must have at least one input`);
  checkMatrix(layer.inputWeights, `${at}.inputWeights`, n, inputWidth, problems);
  checkMatrix(layer.recurrentWeights, `${at}.recurrentWeights`, n, n, problems);
  checkVector(layer.bias, `${at}.bias`, n, problems);
  checkVector(layer.initial, `${at}.initial`, n, problems);
  if (layer.names !== undefined) checkNames(layer.names, `${at}.names`, n, problems);
  return n;
}

function checkReadout(readout: unknown, top: number | null, problems: string[]): void {
  if (!isRecord(readout)) {
    problems.push("readout: expected an object { weights, bias, activation }");
    return;
  }
  const rows = Array.isArray(readout.weights) ? readout.weights.length : null;
  if (rows === 0) problems.push("readout.weights: expected at least one output row");
  checkMatrix(readout.weights, "readout.weights", rows, top, problems);
  checkVector(readout.bias, "readout.bias", rows, problems);
  checkActivation(readout.activation, "readout.activation", problems);
  if (readout.names !== undefined) checkNames(readout.names, "readout.names", rows, problems);
}

function checkActivation(value: unknown, at: string, problems: string[]): void {
  if (!WIRED_ACTIVATIONS.includes(value as WiredActivation)) {
    problems.push(`${at}: unknown activation ${JSON.stringify(value)} (use ${WIRED_ACTIVATIONS.join(", ")})`);
  }
}

function checkNumber(value: unknown, at: string, problems: string[]): void {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    problems.push(
      `${at}: expected a finite number, got ${typeof value === "number" ? String(value) : JSON.stringify(value)}`,
    );
  }
}

function checkVector(value: unknown, at: string, length: number | null, problems: string[]): void {
  if (!Array.isArray(value)) {
    problems.push(`${at}: expected an array of ${length ?? "N"} numbers`);
    return;
  }
  if (length !== null && value.length !== length)
    problems.push(`${at}: expected ${length} entries, got ${value.length}`);
  value.forEach((v, i) => {
    checkNumber(v, `${at}[${i}]`, problems);
  });
}

function checkMatrix(
  value: unknown,
  at: string,
  rows: number | null,
  cols: number | null,
  problems: string[],
): void {
  if (!Array.isArray(value)) {
    problems.push(`${at}: expected ${rows ?? "N"} rows of ${cols ?? "M"} numbers`);
    return;
  }
  if (rows !== null && value.length !== rows)
    problems.push(`${at}: expected ${rows} rows, got ${value.length}`);
  value.forEach((row, r) => {
    if (!Array.isArray(row)) {
      problems.push(`${at}[${r}]: expected a row of ${cols ?? "M"} numbers`);
      return;
    }
    if (cols !== null && row.length !== cols)
      problems.push(`${at}[${r}]: expected ${cols} entries, got ${row.length}`);
    row.forEach((v, c) => {
      checkNumber(v, `${at}[${r}][${c}]`, problems);
    });
  });
}

function checkNames(value: unknown, at: string, length: number | null, problems: string[]): void {
  if (!Array.isArray(value) || value.some((s) => typeof s !== "string" || s === "")) {
    problems.push(`${at}: expected an array of non-empty strings`);
  } else if (length !== null && value.length !== length) {
    problems.push(`${at}: expected ${length} names, got ${value.length}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Running

const ACT_CODE: Record<WiredActivation, number> = { identity: 0, tanh: 1, sigmoid: 2, relu: 3, step: 4 };

function act(code: number, z: number): number {
  switch (code) {
    case 0:
      return z;
    case 1:
      return Math.tanh(z);
    case 2:
      return 1 / (1 + Math.exp(-z));
    case 3:
      return Math.max(z, 0);
    default:
      return z >= 0 ? 1 : 0;
  }
}

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
    code: ACT_CODE[layer.activation],
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
        code: ACT_CODE[net.readout.activation],
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
        const { size, width, code, win, wrec, bias } = layers[l];
        const own = offsets[l];
        // The layer below at this step: the input for layer 0, else the state just written.
        const below: ArrayLike<number> = l === 0 ? x : next;
        const bo = l === 0 ? xo : no + offsets[l - 1];
        for (let j = 0; j < size; j++) {
          let z = bias[j];
          for (let k = 0; k < width; k++) z += win[j * width + k] * below[bo + k];
          for (let k = 0; k < size; k++) z += wrec[j * size + k] * prev[po + own + k];
          next[no + own + j] = act(code, z);
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
        y[yo + o] = act(readout.code, z);
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

/** A number as printed in equations: up to 6 significant digits, no trailing zeros. */
export function formatWeight(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}

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

/** The network's equations with its numbers, one line per unit, then the initial states. */
export function formatWired(net: WiredNet): string {
  const inputNames = net.inputNames ?? defaultNames("x", inputSizeOf(net));
  const layerNames = net.layers.map(
    (layer, l) => layer.names ?? defaultNames(net.layers.length === 1 ? "h" : `h${l + 1}.`, layer.size),
  );
  const lines: string[] = [`${net.name}${net.description ? ` — ${net.description}` : ""}`];
  net.layers.forEach((layer, l) => {
    const below = l === 0 ? inputNames : layerNames[l - 1];
    const own = layerNames[l];
    for (let j = 0; j < layer.size; j++) {
      const terms: [number, string][] = [
        ...layer.inputWeights[j].map((w, k): [number, string] => [w, `${below[k]}_t`]),
        ...layer.recurrentWeights[j].map((w, k): [number, string] => [w, `${own[k]}_{t-1}`]),
      ];
      lines.push(`${own[j]}_t = ${wrap(layer.activation, affine(terms, layer.bias[j]))}`);
    }
  });
  if (net.readout) {
    const top = layerNames[layerNames.length - 1];
    const names = net.readout.names ?? defaultNames("y", net.readout.bias.length);
    net.readout.weights.forEach((row, o) => {
      const terms = row.map((w, k): [number, string] => [w, `${top[k]}_t`]);
      lines.push(`${names[o]}_t = ${wrap(net.readout!.activation, affine(terms, net.readout!.bias[o]))}`);
    });
  }
  const initial = net.layers.flatMap((layer, l) =>
    layer.initial.map((v, j) => `${layerNames[l][j]}_0 = ${formatWeight(v)}`),
  );
  lines.push(initial.join(", "));
  if (net.layers.some((layer) => layer.activation === "step")) lines.push("step(a) = 1 if a >= 0 else 0");
  return lines.join("\n");
}

/** A deep copy (the networks are plain data: edit the copy freely). */
export function cloneWired(net: WiredNet): WiredNet {
  return JSON.parse(JSON.stringify(net)) as WiredNet;
}
