import type { Rng } from "../random.js";
import { alloc } from "../tensor.js";
import type { SequenceModel } from "./sequence-model.js";

/** Free-running generation: feeds `prime`, then each sampled token back in, one step at a time,
 *  carrying the state. Samples from softmax(logits / temperature). */
export function generate(
  model: SequenceModel,
  prime: Int32Array,
  length: number,
  rng: Rng,
  temperature = 1,
): Int32Array {
  const out = new Int32Array(length);
  const V = model.config.outputSize;
  const size = model.config.layers * model.config.hiddenSize;
  const state = { h: alloc(model.config.dtype, size), c: alloc(model.config.dtype, size) };
  const probs = new Float64Array(V);
  const token = new Int32Array(1);
  let logits = model.forward({ T: prime.length, B: 1, tokens: prime });
  model.finalState(state);
  let offset = (prime.length - 1) * V;
  for (let i = 0; i < length; i++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let v = 0; v < V; v++) max = Math.max(max, logits[offset + v] / temperature);
    for (let v = 0; v < V; v++) probs[v] = Math.exp(logits[offset + v] / temperature - max);
    token[0] = rng.categorical(probs);
    out[i] = token[0];
    logits = model.forward({ T: 1, B: 1, tokens: token }, state);
    model.finalState(state);
    offset = 0;
  }
  return out;
}
