// The run store (Node only): node/store/store.ts, its records in types.ts.

export { StoreError } from "./errors.js";
export { gitRevision, pidAlive } from "./machine.js";
export { STORE_VERSION } from "./schema.js";
export { RunStore, type StoreOptions, type SweepInput } from "./store.js";
export type * from "./types.js";
