import * as z from "zod/mini";
import { type InitConfig, initWeightSchemes } from "./config.js";

// The schema of a model config's `init` (InitConfig), and the checks that tie it to the cell. Used by
// the model config's schema and by the run config's (src/train/run-config.ts).

const gainError = "expected a number > 0";
const tmaxError = "expected a number >= 2 (the longest dependency, in steps)";

export const initSchema = z.strictObject(
  {
    weights: z.optional(
      z.enum(initWeightSchemes, { error: `expected one of ${initWeightSchemes.join(", ")}` }),
    ),
    gain: z.optional(z.number({ error: gainError }).check(z.positive({ error: gainError }))),
    forgetBias: z.optional(
      z.union(
        [
          z.number({ error: "expected a number" }),
          z.strictObject({ chrono: z.number({ error: tmaxError }).check(z.gte(2, { error: tmaxError })) }),
        ],
        { error: "expected a number or { chrono: Tmax }" },
      ),
    ),
  },
  { error: "expected an object" },
) satisfies z.ZodMiniType<InitConfig>;

/** The `init` field of a config object. */
export const initField = { init: z.optional(initSchema) };

/** identity (IRNN) is for rnn relu; a forget-gate bias needs an LSTM with biases; gain needs a
 *  scheme other than default. */
export function checkInit(
  config: { cell: string; activation: string; bias?: boolean; init?: InitConfig },
  ctx: z.core.$RefinementCtx,
): void {
  const init = config.init;
  if (init === undefined) return;
  const issue = (key: string, message: string) =>
    ctx.addIssue({ code: "custom", path: ["init", key], message });
  const weights = init.weights ?? "default";
  if (weights === "identity" && (config.cell !== "rnn" || config.activation !== "relu")) {
    const model = config.cell === "rnn" ? `activation ${config.activation}` : `cell ${config.cell}`;
    issue(
      "weights",
      `got identity, but it is for cell rnn with activation relu (IRNN; ${model}); use orthogonal`,
    );
  }
  if (init.gain !== undefined && weights === "default") {
    issue("gain", `got ${init.gain}, but PyTorch's default has no gain; remove it or set weights`);
  }
  if (init.forgetBias !== undefined && config.cell !== "lstm") {
    issue("forgetBias", `only cell lstm has a forget gate (cell is ${config.cell}); remove it`);
  } else if (init.forgetBias !== undefined && config.bias === false) {
    issue("forgetBias", "the model has no biases (bias is false); remove it");
  }
}
