import * as z from "zod/mini";
import { en } from "zod/locales";
import { FormatError } from "../errors.js";

// The three kinds of reference fixture (see test/fixtures/torch/README.md). Tensors are nested
// arrays in their natural shape; their shapes are checked when they are read.

const nested = z.array(z.any());

// Upper bounds on a fixture's sizes. PyTorch fixtures are small (tools/make_fixtures.py), and the
// bounds keep a typo or a hostile file (V: 1e8, num_layers: 1e9) from reaching any allocation; the
// runners also read every tensor, whose size the file bounds, before building anything.
export const FIXTURE_LIMITS = { layers: 64, width: 4096, vocab: 1_000_000, steps: 100_000, batch: 100_000 };
const size = (max: number) =>
  z.int().check(z.positive(), z.lte(max, { error: `Too big: expected at most ${max} (fixtures are small)` }));
const tensorRecord = z.record(z.string(), nested);
const recurrentArch = z.enum(["rnn_tanh", "rnn_relu", "gru", "lstm"]);

export const recurrentFixture = z.object({
  kind: z.literal("recurrent"),
  arch: recurrentArch,
  num_layers: size(FIXTURE_LIMITS.layers),
  input_size: size(FIXTURE_LIMITS.width),
  hidden_size: size(FIXTURE_LIMITS.width),
  seq_len: size(FIXTURE_LIMITS.steps),
  batch: size(FIXTURE_LIMITS.batch),
  params: tensorRecord,
  x: nested,
  h0: nested,
  c0: z.optional(nested),
  output: nested,
  h_n: nested,
  c_n: z.optional(nested),
  loss_weights_output: nested,
  loss_weights_h_n: nested,
  loss_weights_c_n: z.optional(nested),
  loss: z.number(),
  grads: tensorRecord,
  // Format version 2 (layer options, test/fixtures/torch-v2/README.md); absent in version 1.
  format_version: z.optional(z.int().check(z.positive())),
  bidirectional: z.optional(z.boolean()),
  proj_size: z.optional(z.int().check(z.nonnegative())),
  bias: z.optional(z.boolean()),
  lengths: z.optional(z.nullable(z.array(z.int().check(z.nonnegative())))),
});

const optimizer = z.discriminatedUnion("name", [
  z.object({
    name: z.literal("sgd"),
    lr: z.number(),
    momentum: z.number(),
    dampening: z.number(),
    weight_decay: z.number(),
    nesterov: z.boolean(),
  }),
  z.object({
    name: z.enum(["adam", "adamw"]),
    lr: z.number(),
    beta1: z.number(),
    beta2: z.number(),
    eps: z.number(),
    weight_decay: z.number(),
    amsgrad: z.optional(z.literal(false, { error: "amsgrad is not supported" })),
  }),
]);

const tokenGrid = z.array(z.array(z.int().check(z.nonnegative())));
const normType = z.union([z.literal(2), z.literal("inf")]);

export const charlmFixture = z.object({
  kind: z.literal("charlm"),
  arch: recurrentArch,
  V: size(FIXTURE_LIMITS.vocab),
  E: size(FIXTURE_LIMITS.width),
  H: size(FIXTURE_LIMITS.width),
  T: size(FIXTURE_LIMITS.steps),
  B: size(FIXTURE_LIMITS.batch),
  optimizer,
  max_norm: z.number().check(z.positive()),
  norm_type: normType,
  param_order: z.array(z.string()),
  params: tensorRecord,
  tokens: tokenGrid,
  targets: tokenGrid,
  logits: nested,
  loss: z.number(),
  grads: tensorRecord,
  total_norm: z.number(),
  grads_clipped: tensorRecord,
  tokens_2: tokenGrid,
  targets_2: tokenGrid,
  logits_2: nested,
  loss_2: z.number(),
  grads_2: tensorRecord,
  total_norm_2: z.number(),
  grads_clipped_2: tensorRecord,
});

export const clipFixture = z.object({
  kind: z.literal("clip"),
  shapes: z.array(z.array(z.int().check(z.nonnegative()))),
  grads: z.array(nested),
  clip_grad_norm: z.array(
    z.object({
      max_norm: z.number().check(z.positive()),
      norm_type: normType,
      total_norm: z.number(),
      clip_coef: z.number(),
      clipped: z.boolean(),
      tensors: z.array(nested),
    }),
  ),
  clip_grad_value: z.object({ clip_value: z.number().check(z.positive()), tensors: z.array(nested) }),
});

export type RecurrentFixture = z.infer<typeof recurrentFixture>;
export type CharlmFixture = z.infer<typeof charlmFixture> & Record<string, unknown>;
export type ClipFixture = z.infer<typeof clipFixture>;
export type Fixture =
  | ({ kind: "recurrent" } & RecurrentFixture)
  | ({ kind: "charlm" } & CharlmFixture)
  | ({ kind: "clip" } & ClipFixture);

const schemas = { recurrent: recurrentFixture, charlm: charlmFixture, clip: clipFixture } as const;
const englishMessages = en().localeError;

/** Validates a parsed fixture; throws FormatError naming the first problem (e.g. a missing key). */
export function parseFixture(json: unknown, source = "fixture"): Fixture {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new FormatError(`${source}: expected a JSON object`);
  }
  const kind = (json as { kind?: unknown }).kind;
  if (kind !== "recurrent" && kind !== "charlm" && kind !== "clip") {
    throw new FormatError(
      `${source}: 'kind' must be "recurrent", "charlm" or "clip", got ${JSON.stringify(kind)}`,
    );
  }
  // Extra keys pass through (a fixture's other references, e.g. params_after_sgd_2); the messages are
  // classic zod's English ones, which zod/mini leaves to a locale.
  const result = z.safeParse(z.catchall(schemas[kind], z.unknown()), json, { error: englishMessages });
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue.path.join(".") || "(root)";
    const missing = issue.code === "invalid_type" && issue.message.includes("received undefined");
    throw new FormatError(`${source}: ${missing ? `missing key '${path}'` : `'${path}': ${issue.message}`}`);
  }
  return result.data as Fixture;
}
