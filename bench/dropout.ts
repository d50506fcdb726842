// `npm run bench -- --dropout`: what dropout costs a training step. The bench's workload (character
// LM, V = 65, E = 64, T = 64, B = 32, Adam, float32) on a stacked LSTM, timed with dropout 0.2
// between the layers and 0.2 on the readout's input against the same model without, in alternating
// rounds (so a shared machine's drift hits both alike), one thread. Prints each step time and the
// ratio, the median over the rounds.

import { Command as Cli } from "commander";

interface DropoutBenchOptions {
  hidden: number;
  layers: number;
  rounds: number;
  steps: number;
}

function parse(argv: string[]): DropoutBenchOptions {
  const positive = (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`expected a positive integer, got ${value}`);
    return n;
  };
  const cli = new Cli()
    .name("npm run bench -- --dropout")
    .description("an LSTM training step with dropout 0.2 + outputDropout 0.2 against the same without")
    .option("--dropout", "this mode")
    .option("--hidden <n>", "hidden units H", positive, 128)
    .option("--layers <n>", "stacked layers (dropout sits between them)", positive, 2)
    .option("--rounds <n>", "alternating rounds of both models", positive, 7)
    .option("--steps <n>", "training steps per model per round", positive, 5);
  cli.parse(argv, { from: "user" });
  return cli.opts<DropoutBenchOptions>();
}

export async function dropoutBench(argv: string[]): Promise<void> {
  const options = parse(argv);
  const { enableRelaxedSimd } = await import("../node/index.js");
  enableRelaxedSimd(); // as the CLI does, before the kernels compile
  const { SequenceModel, createOptimizer } = await import("../src/index.js");
  const V = 65;
  const T = 64;
  const B = 32;
  let state = 12345;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state >>> 16) % V;
  };
  const tokens = Int32Array.from({ length: T * B }, next);
  const classes = Int32Array.from({ length: T * B }, next);
  const build = (rates: { dropout?: number; outputDropout?: number }) => {
    const model = new SequenceModel(
      {
        cell: "lstm",
        hiddenSize: options.hidden,
        layers: options.layers,
        input: { kind: "embedding", vocabSize: V, embeddingSize: 64 },
        outputSize: V,
        dtype: "float32",
        ...rates,
      },
      { seed: 1 },
    );
    const adam = createOptimizer({ name: "adam", lr: 0.002 }, model);
    return () => {
      model.lossAndGrad({ T, B, tokens }, { classes });
      adam.step(model.params.data, model.params.grad);
    };
  };
  const plain = build({});
  const dropped = build({ dropout: 0.2, outputDropout: 0.2 });
  const time = (step: () => void) => {
    const start = performance.now();
    for (let i = 0; i < options.steps; i++) step();
    return (performance.now() - start) / options.steps;
  };
  time(plain); // warm-up: kernels compiled, buffers grown
  time(dropped);
  const ratios: number[] = [];
  const plainMs: number[] = [];
  const droppedMs: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const a = time(plain);
    const b = time(dropped);
    plainMs.push(a);
    droppedMs.push(b);
    ratios.push(b / a);
    process.stderr.write(`round ${round + 1}/${options.rounds}: ${a.toFixed(1)} ms, ${b.toFixed(1)} ms\n`);
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const shape = `LSTM, ${options.layers} layers, H = ${options.hidden}, T = ${T}, B = ${B}, float32, 1 thread`;
  console.log(`dropout cost per training step (${shape}; median of ${options.rounds} rounds)`);
  console.log(`  without dropout                      ${median(plainMs).toFixed(1)} ms`);
  console.log(`  dropout 0.2 + outputDropout 0.2      ${median(droppedMs).toFixed(1)} ms`);
  console.log(`  ratio                                ${median(ratios).toFixed(3)}`);
}
