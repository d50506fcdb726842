// Pointwise activations with their derivatives. `derivative(z, y)` receives both the
// pre-activation z and the output y = f(z), so each uses whichever form is exact and cheap.

/** The registry of activation names: the model config's schema and the CLI's choices read it. */
export const activationNames = ["identity", "tanh", "sigmoid", "relu", "step"] as const;
export type ActivationName = (typeof activationNames)[number];

export interface Activation {
  readonly name: ActivationName;
  apply(z: number): number;
  derivative(z: number, y: number): number;
}

export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** step(z) = 1 if z >= 0 else 0 (the seed's definition: step(0) = 1). Its derivative is 0 almost
 *  everywhere; `straightThrough` replaces it by 1, the straight-through estimator. */
export function makeActivation(name: ActivationName, straightThrough = false): Activation {
  switch (name) {
    case "identity":
      return { name, apply: (z) => z, derivative: () => 1 };
    case "tanh":
      return { name, apply: Math.tanh, derivative: (_z, y) => 1 - y * y };
    case "sigmoid":
      return { name, apply: sigmoid, derivative: (_z, y) => y * (1 - y) };
    case "relu":
      return { name, apply: (z) => Math.max(z, 0), derivative: (z) => (z > 0 ? 1 : 0) };
    case "step":
      return { name, apply: (z) => (z >= 0 ? 1 : 0), derivative: straightThrough ? () => 1 : () => 0 };
  }
}
