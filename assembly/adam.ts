// AssemblyScript source of the Adam / AdamW update in WebAssembly SIMD (f32x4), compiled into the
// same module as the other kernels (tools/build-wasm.mjs); src/train/optim/adam.ts copies the four
// buffers in and three out. Its update, in float32 arithmetic (rounded after each operation, as
// PyTorch's float32 tensor ops are):
//   AdamW: p = p·decay;  Adam with weight decay: g = g + wd·p
//   m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g·g;  p = p − stepSize·m / (√v / √(1 − β2^t) + ε)

// @ts-nocheck (AssemblyScript, not TypeScript)

/** n updates (a multiple of 4) of p, m, v in place, from g. */
export function adamStep(
  p: usize,
  g: usize,
  m: usize,
  v: usize,
  n: i32,
  beta1: f32,
  beta2: f32,
  stepSize: f32,
  bc2Sqrt: f32,
  eps: f32,
  weightDecay: f32,
  decoupled: bool,
  decay: f32,
): void {
  const b1 = f32x4.splat(beta1);
  const b2 = f32x4.splat(beta2);
  const c1 = f32x4.splat(1 - beta1);
  const c2 = f32x4.splat(1 - beta2);
  const step = f32x4.splat(stepSize);
  const bc = f32x4.splat(bc2Sqrt);
  const e = f32x4.splat(eps);
  const wd = f32x4.splat(weightDecay);
  const d = f32x4.splat(decay);
  const coupled = !decoupled && weightDecay != 0;
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    let pi = v128.load(p + o);
    let gi = v128.load(g + o);
    if (decoupled) pi = f32x4.mul(pi, d);
    else if (coupled) gi = f32x4.add(gi, f32x4.mul(wd, pi));
    const mi = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(c1, gi));
    const vi = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(f32x4.mul(c2, gi), gi));
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(vi), bc), e);
    v128.store(p + o, f32x4.sub(pi, f32x4.div(f32x4.mul(step, mi), denom)));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
  }
}
