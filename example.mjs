import { readFileSync, writeFileSync } from "node:fs";
import { SequenceModel, Tokenizer, Trainer, createOptimizer, encodeCheckpoint, evaluate } from "rnnlab";
import { sequentialBatches, splitTrainVal, toCheckpoint } from "rnnlab";
const text = readFileSync("data/tinyshakespeare.txt", "utf8");
const tokenizer = Tokenizer.fromText("char", text);
const { train, val } = splitTrainVal(tokenizer.encode(text), 0.1);
const model = new SequenceModel({ cell: "gru", hiddenSize: 64, input: { kind: "embedding", vocabSize: tokenizer.size, embeddingSize: 16 } }, { seed: 1 });
const optimizer = createOptimizer({ name: "adam", lr: 3e-3 }, model);
const clip = { kind: "norm", maxNorm: 1 }; // PyTorch's clip_grad_norm_
const trainer = new Trainer({ model, optimizer, data: train, seqLen: 32, batch: 16, clip, seed: 1 });
for (let step = 1; step <= 300; step++) {
    const { loss, gradNorm } = trainer.trainStep(); // windows, forward, BPTT, clip, Adam
    if (step % 100 === 0)
        console.log(`step ${step}: loss ${loss.toFixed(3)}, grad norm ${gradNorm.toFixed(2)}`);
}
const valLoss = evaluate(model, sequentialBatches(val, 32, 16, 8));
console.log(`val loss ${valLoss.toFixed(3)} nats/char; uniform guessing: ${Math.log(tokenizer.size).toFixed(3)}`);
const state = { model, optimizer, rng: trainer.rng, step: trainer.step };
writeFileSync("model.ckpt", encodeCheckpoint(toCheckpoint(state)));
