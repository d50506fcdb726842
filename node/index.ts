// rnnlab/node: what only Node has: worker threads for DataParallel, and the faster relaxed-SIMD
// kernels that Node 20 keeps behind a flag (importing "rnnlab" in Node turns them on already).

export { enableRelaxedSimd } from "./relaxed-simd.js";
export { dataParallel, defaultThreads, nodeShardSpawner } from "./threads.js";
export { requestNodeGpu } from "./webgpu.js";
