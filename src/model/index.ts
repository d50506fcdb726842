// rnnlab/model: the building blocks under SequenceModel, for research code that wires its own:
// cells (each with its hand-derived backward), layers stacked over time, parameter layouts.

export { type Cell, type CellStep, cellFactories, createCell } from "../cells/index.js";
export { InputLayer } from "./input-layer.js";
export { GATES, modelParamSpecs, type ParamSpec, recurrentParamSpecs } from "./param-shapes.js";
export { type PaddedInputs, type PaddedTokens, padSequences } from "./pad.js";
export { Params } from "./params.js";
export { RecurrentStack, type StackGrads, type StackState } from "./stack.js";
export { alloc, type Buf, type DType, dtypeOf, Tensor } from "../tensor.js";
