import { Rng } from "../src/index.js";
import type { LabContext } from "./types.js";

/** FNV-1a of the label mixed with the seed: a stable 32-bit seed per label. */
function labelSeed(seed: number, label: string): number {
  let hash = 0x811c9dc5 ^ seed;
  for (let i = 0; i < label.length; i++) hash = Math.imul(hash ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return hash >>> 0;
}

export function createLabContext(options: {
  quick: boolean;
  seed?: number;
  corpus: () => string;
  progress?: (message: string) => void;
}): LabContext {
  const cache = new Map<string, unknown>();
  const seed = options.seed ?? 1;
  return {
    quick: options.quick,
    rng: (label) => new Rng(labelSeed(seed, label)),
    progress: options.progress ?? (() => {}),
    shared<T>(key: string, compute: () => T): T {
      if (!cache.has(key)) cache.set(key, compute());
      return cache.get(key) as T;
    },
    corpus: options.corpus,
  };
}
