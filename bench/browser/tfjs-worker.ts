// TensorFlow.js's wasm backend in a Chromium module worker (browser.ts bundles this file with
// tfjs): in a cross-origin isolated page it loads its threaded SIMD binary, with the thread count
// asked for by setThreadsCount; the row reports getThreadsCount(), the count it uses. The model and
// the training step are tfjs-model.ts's, as in Node.

import * as tf from "@tensorflow/tfjs";
import * as wasm from "@tensorflow/tfjs-backend-wasm";
import { SkipError, type Trainer } from "../common.js";
import { tfjsModelTrainer, useWasmBackend } from "../tfjs-model.js";
import { benchParams, scope, serveBench } from "./scope.js";

void serveBench(async () => {
  const { cell, hidden, threads, api } = benchParams();
  wasm.setWasmPaths("/tfjs/"); // browser.ts serves the package's .wasm files there
  const info: Trainer["info"] = {
    version: tf.version.tfjs,
    backend: "wasm",
    crossOriginIsolated: scope.crossOriginIsolated,
    hardwareConcurrency: scope.navigator.hardwareConcurrency,
  };
  // tfjs-backend-wasm caps its thread pool at navigator.hardwareConcurrency / 2 (its C++
  // init_with_threads_count assumes two hyperthreads per core), whatever setThreadsCount asks: on a
  // 2-core machine that is 1. It reads the value when its module starts, so showing it 2·threads
  // here gives it the threads asked for; info.hardwareConcurrencyShown records that it was done.
  if (threads > Math.floor(scope.navigator.hardwareConcurrency / 2)) {
    Object.defineProperty(scope.navigator, "hardwareConcurrency", { value: 2 * threads, configurable: true });
    info.hardwareConcurrencyShown = 2 * threads;
  }
  await useWasmBackend(tf, wasm, threads, info);
  if ((info.threads as number) < threads) {
    throw new SkipError(
      `setThreadsCount(${threads}) gives ${info.threads} thread(s) in Chromium ` +
        `(WASM_HAS_MULTITHREAD_SUPPORT ${info.multithread}, cross-origin isolated ${scope.crossOriginIsolated})`,
    );
  }
  return tfjsModelTrainer(tf, cell, hidden, api, info);
});
