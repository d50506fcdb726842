import * as z from "zod/mini";
import { cellKinds } from "../cells/index.js";
import { ConfigError } from "../errors.js";
import { activationNames } from "../kernels/activations.js";
import type { DType } from "../tensor.js";
import { dropoutFields, type InputConfig, lossNames, type ModelConfig, type ModelOptions } from "./config.js";
import { checkInit, initField } from "./init-schema.js";

// The model config's schema. Every list of names comes from its registry (cells, activations,
// losses), so a new one is accepted once it is registered there. It is written with zod/mini, whose
// functions tree-shake: classic zod's `z` brings every locale's messages into a page's bundle
// (test/browser/bundle.test.ts). Every message here is given, so none depends on a locale. The run
// config's schema (src/train/run-config.ts) is built from these parts and helpers.

export const integerFrom = (min: number, expected: string) =>
  z.int({ error: expected }).check(z.gte(min, { error: expected }));
export const positiveInteger = () => integerFrom(1, "expected a positive integer");
export const nonNegativeInteger = () => integerFrom(0, "expected a non-negative integer");
export const oneOf = <T extends string>(values: readonly T[]) =>
  z.enum(values, { error: `expected one of ${values.join(", ")}` });

export const dtypes = ["float32", "float64"] as const satisfies readonly DType[];

const skipDelayError = "expected 0 (no skip) or an integer delay >= 2";
const skipDelay = z
  .int({ error: skipDelayError })
  .check(z.refine((k: number) => k === 0 || k >= 2, { error: skipDelayError }));

/** The fields of a RecurrentConfig, with their defaults, and the dtype. */
export const recurrentFields = {
  cell: oneOf(cellKinds),
  activation: z._default(oneOf(activationNames), "tanh"),
  straightThrough: z._default(z.boolean({ error: "expected true or false" }), false),
  skip: z._default(skipDelay, 0),
  hiddenSize: positiveInteger(),
  layers: z._default(positiveInteger(), 1),
  dtype: z._default(oneOf(dtypes), "float32"),
};

/** PyTorch's layer options: bias, bidirectional, proj_size (as projSize). Absent means PyTorch's
 *  default (true, false, 0); they are left absent, so a config without them reads back unchanged. */
export const layerOptionFields = {
  bias: z.optional(z.boolean({ error: "expected true or false" })),
  bidirectional: z.optional(z.boolean({ error: "expected true or false" })),
  projSize: z.optional(nonNegativeInteger()),
};

/** A projection is the LSTM's, to fewer units than H (as PyTorch requires). */
export function checkProjection(
  config: { cell: string; projSize?: number; hiddenSize: number },
  ctx: z.core.$RefinementCtx,
): void {
  if (!config.projSize) return;
  const why =
    config.cell !== "lstm"
      ? `only cell lstm has a projection (cell is ${config.cell})`
      : config.projSize >= config.hiddenSize
        ? `a projection must be smaller than hiddenSize ${config.hiddenSize}`
        : null;
  if (why)
    ctx.addIssue({
      code: "custom",
      path: ["projSize"],
      message: `got ${config.projSize}, but ${why}; use 0`,
    });
}

/** Only the vanilla RNN has a skip term. */
export function checkSkip(config: { cell: string; skip: number }, ctx: z.core.$RefinementCtx): void {
  if (config.skip > 0 && config.cell !== "rnn") {
    ctx.addIssue({
      code: "custom",
      path: ["skip"],
      message: `got ${config.skip}, but only cell rnn has a skip term (cell is ${config.cell}); use 0`,
    });
  }
}

const probabilityError = "expected a probability in [0, 1)";
const dropProbability = z
  .number({ error: probabilityError })
  .check(z.gte(0, { error: probabilityError }), z.lt(1, { error: probabilityError }));

/** RegularizationConfig's fields: absent means 0 and stays absent, as the layer options do. */
export const dropoutSchemaFields = Object.fromEntries(
  dropoutFields.map((name) => [name, z.optional(dropProbability)]),
) as Record<(typeof dropoutFields)[number], z.ZodMiniOptional<typeof dropProbability>>;

/** cellZoneout is the LSTM's (its c); the others need nothing the config lacks. */
export function checkRegularization(
  config: { cell: string; cellZoneout?: number },
  ctx: z.core.$RefinementCtx,
): void {
  if (config.cellZoneout && config.cell !== "lstm") {
    ctx.addIssue({
      code: "custom",
      path: ["cellZoneout"],
      message: `got ${config.cellZoneout}, but only cell lstm has a cell state (cell is ${config.cell}); use zoneout`,
    });
  }
}

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

const modelFields = z
  .strictObject(
    {
      ...recurrentFields,
      ...layerOptionFields,
      ...dropoutSchemaFields,
      ...initField,
      input: inputSchema,
      outputSize: z.optional(nonNegativeInteger()),
      loss: z._default(oneOf(lossNames), "cross-entropy"),
    },
    { error: "expected an object" },
  )
  .check(
    z.superRefine(checkSkip),
    z.superRefine(checkProjection),
    z.superRefine(checkInit),
    z.superRefine(checkRegularization),
    z.superRefine((config, ctx) => {
      if (config.outputSize === undefined && config.input.kind === "dense") {
        ctx.addIssue({
          code: "custom",
          path: ["outputSize"],
          message: "missing; a dense input needs it (the readout's width, 0 for none)",
        });
      }
    }),
  );

export const modelConfigSchema = z.pipe(
  modelFields,
  z.transform((config: z.output<typeof modelFields>) => ({
    ...config,
    outputSize: config.outputSize ?? vocabSize(config.input),
  })),
) satisfies z.ZodMiniType<ModelConfig, ModelOptions>;

/** A token input's readout defaults to one logit per token. */
function vocabSize(input: InputConfig): number {
  return input.kind === "dense" ? 0 : input.vocabSize;
}

/** The ModelConfig of ModelOptions (or parsed JSON) with the defaults filled in, or a ConfigError
 *  naming the first bad field, e.g. "config.hiddenSize: expected a positive integer, got -3". */
export function parseModelConfig(json: unknown): ModelConfig {
  return parseConfig(modelConfigSchema, json, "config");
}

/** `schema`'s parse of `json`, or a ConfigError naming the first bad field under `root`. */
export function parseConfig<T>(schema: z.core.$ZodType<T>, json: unknown, root: string): T {
  const result = z.safeParse(schema, json, { reportInput: true });
  if (!result.success) throw new ConfigError(describeIssue(result.error.issues[0], root));
  return result.data;
}

function describeIssue(issue: z.core.$ZodIssue, root: string): string {
  const path = [root, ...issue.path.map(String)].join(".");
  if (issue.code === "unrecognized_keys") {
    return `${path}: unknown key ${issue.keys.map((key) => `"${key}"`).join(", ")}; remove it`;
  }
  // A cross-field check (a custom issue on an object) states the value in its message.
  if (issue.code === "custom" && isRecord(issue.input)) return `${path}: ${issue.message}`;
  let got = issue.input;
  // A discriminated union reports the whole object; show the discriminator's value.
  if (issue.code === "invalid_union" && issue.discriminator !== undefined && isRecord(got)) {
    got = got[issue.discriminator];
  }
  return got === undefined
    ? `${path}: missing; ${issue.message}`
    : `${path}: ${issue.message}, got ${describe(got)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
