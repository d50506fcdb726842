import { z } from "zod";
import { ConfigError } from "../errors.js";
import type { ModelConfig } from "../model/config.js";

const integerFrom = (min: number, expected: string) =>
  z.number({ error: expected }).int({ error: expected }).min(min, { error: expected });
const positiveInteger = () => integerFrom(1, "expected a positive integer");
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `expected one of ${values.join(", ")}` });

const skipDelay = z
  .number({ error: "expected 0 (no skip) or an integer delay >= 2" })
  .int({ error: "expected 0 (no skip) or an integer delay >= 2" })
  .refine((k) => k === 0 || k >= 2, { error: "expected 0 (no skip) or an integer delay >= 2" });

const inputSchema = z.discriminatedUnion(
  "kind",
  [
    z.strictObject({
      kind: z.literal("embedding"),
      vocabSize: positiveInteger(),
      embeddingSize: positiveInteger(),
    }),
    z.strictObject({ kind: z.literal("onehot"), vocabSize: positiveInteger() }),
    z.strictObject({ kind: z.literal("dense"), size: positiveInteger() }),
  ],
  { error: "expected one of embedding, onehot, dense" },
);

const modelConfigSchema = z
  .strictObject(
    {
      cell: oneOf(["rnn", "gru", "lstm"]),
      activation: oneOf(["identity", "tanh", "sigmoid", "relu", "step"]),
      straightThrough: z.boolean({ error: "expected true or false" }),
      skip: skipDelay,
      hiddenSize: positiveInteger(),
      layers: positiveInteger(),
      input: inputSchema,
      outputSize: integerFrom(0, "expected a non-negative integer"),
      loss: oneOf(["cross-entropy", "bce", "mse"]),
      dtype: oneOf(["float32", "float64"]),
    },
    { error: "expected an object" },
  )
  .superRefine((config, ctx) => {
    if (config.skip > 0 && config.cell !== "rnn") {
      ctx.addIssue({
        code: "custom",
        path: ["skip"],
        message: `got ${config.skip}, but only cell rnn has a skip term (cell is ${config.cell}); use 0`,
      });
    }
  }) satisfies z.ZodType<ModelConfig>;

/** A ModelConfig from parsed JSON, or a ConfigError naming the first bad field, e.g.
 *  "config.hiddenSize: expected a positive integer, got -3". */
export function parseModelConfig(json: unknown): ModelConfig {
  const result = modelConfigSchema.safeParse(json, { reportInput: true });
  if (!result.success) throw new ConfigError(describeIssue(result.error.issues[0]));
  return result.data;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = ["config", ...issue.path.map(String)].join(".");
  if (issue.code === "unrecognized_keys") {
    return `${path}: unknown key ${issue.keys.map((key) => `"${key}"`).join(", ")}; remove it`;
  }
  let got = issue.input;
  // A discriminated union reports the whole object; show the discriminator's value.
  if (issue.code === "invalid_union" && issue.discriminator !== undefined && isRecord(got)) {
    got = got[issue.discriminator];
  }
  if (got !== undefined) return `${path}: ${issue.message}, got ${describe(got)}`;
  // A cross-field check (code "custom") states the value in its message.
  return issue.code === "custom" ? `${path}: ${issue.message}` : `${path}: missing; ${issue.message}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
