import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { probes, readOptions } from "../../lab/probes/index.js";

// The sweep-spec parser checks the specs fully (its own test); here: the keys, and that every
// option is one of the probe's and every value one it accepts, and that the metric is a summary key.

type Spec = {
  probe: Record<string, string | number>;
  grid: Record<string, (string | number)[]>;
  seeds: number[];
  metric: string;
  goal: string;
};

const specs: [string, { probe: string; grid: string[]; metric: string; goal: string }][] = [
  [
    "q3-regime-map.yaml",
    { probe: "gradient-ratio", grid: ["norm", "seq-len"], metric: "log10Ratio", goal: "max" },
  ],
  [
    "pascanu-temporal-order.yaml",
    { probe: "temporal-order", grid: ["seq-len", "clip"], metric: "success", goal: "max" },
  ],
];

describe.each(specs)("examples/sweeps/%s", (file, expected) => {
  const spec: Spec = parse(readFileSync(`examples/sweeps/${file}`, "utf8"));
  const probe = probes.find((p) => p.name === spec.probe.name);

  it("has the keys of a probe sweep", () => {
    expect(Object.keys(spec).sort()).toEqual(["goal", "grid", "metric", "probe", "seeds"]);
    expect(spec.probe.name).toBe(expected.probe);
    expect(Object.keys(spec.grid)).toEqual(expected.grid);
    expect(spec.seeds).toEqual([1, 2, 3, 4, 5]);
    expect([spec.metric, spec.goal]).toEqual([expected.metric, expected.goal]);
  });

  it("gives every grid point options the probe accepts", () => {
    if (!probe) throw new Error(`no probe ${spec.probe.name}`);
    const { name: _, ...fixed } = spec.probe;
    const [first, second] = Object.entries(spec.grid);
    for (const a of first[1])
      for (const b of second[1]) {
        const raw = { ...fixed, [first[0]]: a, [second[0]]: b, seed: 1 };
        const strings = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)]));
        expect(readOptions(probe, strings).size).toBe(probe.options.length);
      }
  });

  it("optimises a key of the probe's summary", () => {
    if (!probe) throw new Error(`no probe ${spec.probe.name}`);
    const { name: _, ...fixed } = spec.probe;
    const raw = Object.fromEntries(
      [...Object.entries(fixed), ...Object.entries(spec.grid).map(([k, v]) => [k, v[0]])].map(([k, v]) => [
        k,
        String(v),
      ]),
    );
    const values = readOptions(probe, { ...raw, seed: "1", steps: "1" });
    expect(Object.keys(probe.run(values, { progress: () => {} }))).toContain(spec.metric);
  });
});
