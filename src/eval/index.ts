// Evaluation: n-gram oracles and exposure-bias measures (pure; runs in a browser).

export {
  type OracleExposureBias,
  type OracleExposureBiasOptions,
  oracleExposureBias,
  type TextExposureBias,
  type TextExposureBiasOptions,
  textExposureBias,
} from "./exposure-bias.js";
export { type NGramJSON, NGramModel, type NGramOptions, type NGramSmoothing } from "./ngram.js";
export { type StepModel, TokenStepper } from "./stepper.js";
