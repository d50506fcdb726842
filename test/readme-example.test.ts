import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import * as rnnlab from "../src/index.js";

// The README's library example, extracted from README.md and run against the source tree.

it("the README example builds an LSTM, steps Adam with clipping and reads dL/dh_t at every step", async () => {
  const readme = readFileSync("README.md", "utf8");
  const block = readme.match(/```ts\n([\s\S]*?)```/)?.[1];
  expect(block).toBeDefined();
  const body = (block as string).replace(/^import .*$/m, "").replace(/console\.log\((.*)\);/, "return [$1];");
  const run = new Function(
    "rnnlab",
    `const { SequenceModel, clipGradNorm, createOptimizer, normsOverTime } = rnnlab;\n${body}`,
  );
  const [loss, totalNorm, norms] = run(rnnlab) as [number, number, Float64Array];
  expect(loss).toBeGreaterThan(Math.log(65) - 0.5);
  expect(loss).toBeLessThan(Math.log(65) + 0.5);
  expect(totalNorm).toBeGreaterThan(0);
  expect(norms.length).toBe(9);
  expect(norms.every((n) => Number.isFinite(n) && n > 0)).toBe(true);
});
