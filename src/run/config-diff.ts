// Configs as dotted keys, and the keys on which runs differ: what `rnnlab runs compare` and the web
// lab's Runs view both show. Pure, so the browser bundle takes it as the CLI does.

/** A config as dotted keys to leaf values, in the config's own order: { model: { hidden: 16 } } gives
 *  "model.hidden" = 16. Arrays stay whole (one value); a config that is not an object is the key "". */
export function flattenConfig(config: unknown, prefix = ""): [string, unknown][] {
  if (!isPlainObject(config)) return prefix === "" && config === undefined ? [] : [[prefix, config]];
  const entries = Object.entries(config);
  if (entries.length === 0 && prefix !== "") return [[prefix, {}]];
  return entries.flatMap(([key, value]) => flattenConfig(value, prefix === "" ? key : `${prefix}.${key}`));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A sweep trial's bookkeeping: its command line (which differs as its params do) and the process
 *  that recorded it; the params and seed say how trials differ. */
const BOOKKEEPING = /^(argv|coordinator\.)/;

/** The flattened keys whose values differ between the configs (compared as JSON; a key one config
 *  lacks differs, its value null there), in first-seen order. */
export function configDifferences(configs: readonly unknown[]): { key: string; values: unknown[] }[] {
  const flat = configs.map((c) => new Map(flattenConfig(c)));
  const keys = [...new Set(flat.flatMap((m) => [...m.keys()]))].filter((key) => !BOOKKEEPING.test(key));
  const same = (values: unknown[]) => values.every((v) => JSON.stringify(v) === JSON.stringify(values[0]));
  return keys
    .map((key) => ({ key, values: flat.map((m) => (m.has(key) ? m.get(key) : null)) }))
    .filter(({ key, values }) => !(flat.every((m) => m.has(key)) && same(values)));
}
