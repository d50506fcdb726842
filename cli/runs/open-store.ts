// The run store as `rnnlab runs` uses it: opened only when the file exists (a look must not create a
// store), dead runs marked killed first, closed whatever happens; ids checked with one-line errors.

import { existsSync } from "node:fs";
import { RunStore } from "../../node/store/index.js";
import type { RunRow } from "../../node/store/types.js";
import { UserError } from "../errors.js";
import { DEFAULT_STORE } from "../store-record.js";

export { DEFAULT_STORE };

/** Runs `use` on the open store (after markKilled, so dead runs read "killed"), then closes it. */
export function withStore<T>(path: string, use: (store: RunStore) => T): T {
  if (!existsSync(path)) {
    throw new UserError(`no run store at ${path}: train something first, or give --store`);
  }
  const store = RunStore.open(path);
  try {
    store.markKilled();
    return use(store);
  } finally {
    store.close();
  }
}

/** A run id as typed: a whole number from 1. */
export function parseRunId(text: string): number {
  const id = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(id) || id < 1) {
    throw new UserError(`'${text}' is not a run id: ids are whole numbers; \`rnnlab runs list\` shows them`);
  }
  return id;
}

/** The runs of these ids, in the order given (repeats dropped), or a line naming the first unknown. */
export function runsByIds(store: RunStore, ids: readonly string[], path: string): RunRow[] {
  const unique = [...new Set(ids.map(parseRunId))];
  return unique.map((id) => {
    const run = store.getRun(id);
    if (run === null) {
      throw new UserError(`no run ${id} in ${path}: \`${listCommand(path)}\` shows the ids`);
    }
    return run;
  });
}

function listCommand(path: string): string {
  return path === DEFAULT_STORE ? "rnnlab runs list" : `rnnlab runs list --store ${path}`;
}
