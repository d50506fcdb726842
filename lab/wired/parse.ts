// Reading a hand-wired network given as data (an object or JSON text): every problem found is one
// line of one ConfigError, so a user editing a network by hand sees all of them at once.

import { ConfigError } from "../../src/index.js";
import { activationNames } from "../../src/kernels/index.js";
import type { WiredActivation, WiredNet } from "./net.js";

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
      throw new ConfigError(
        `wired network: not valid JSON (${error instanceof Error ? error.message : error})`,
      );
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
  // Every field was checked above: the value has WiredNet's shape.
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
  const n = typeof size === "number" && Number.isInteger(size) && size >= 1 ? size : null;
  if (n === null) problems.push(`${at}.size: expected a positive integer, got ${JSON.stringify(size)}`);
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

const isActivation = (value: unknown): value is WiredActivation =>
  activationNames.some((name) => name === value);

function checkActivation(value: unknown, at: string, problems: string[]): void {
  if (!isActivation(value)) {
    problems.push(`${at}: unknown activation ${JSON.stringify(value)} (use ${activationNames.join(", ")})`);
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
