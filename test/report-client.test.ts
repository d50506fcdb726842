import * as Plot from "@observablehq/plot";
import { describe, expect, it } from "vitest";
import { loadReportAssets } from "../cli/report-assets.js";
import { CLIENT_SCRIPT, REPORT_DATA_ID } from "../src/report/client.js";
import type { PlotSpec } from "../src/report/spec.js";

// The page's drawing script run as the browser runs it: its text alone, with d3 (the bundle the page
// inlines) and Observable Plot's marks as globals, on a stand-in DOM. Plot.plot (which needs a real
// DOM) is replaced by one that hands back the options it was given, so the tests read the scales and
// marks each figure asked for.

/** d3's UMD bundle run as a CommonJS module: its exports. */
const d3: Record<string, unknown> = {};
new Function("exports", "module", loadReportAssets().d3)(d3, {});

interface FakeElement {
  id: string;
  className: string;
  textContent: string | null;
  clientWidth: number;
  children: FakeElement[];
  attributes: Map<string, string>;
  plotted?: Record<string, unknown>;
  querySelector(selector: string): FakeElement | null;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  appendChild(child: FakeElement): void;
}

function element(id = "", plot: FakeElement | null = null): FakeElement {
  let text: string | null = "";
  const self: FakeElement = {
    id,
    className: "",
    clientWidth: 640,
    children: [],
    attributes: new Map(),
    get textContent() {
      return text;
    },
    set textContent(value: string | null) {
      text = value;
      self.children = [];
    },
    querySelector: (selector) => (selector === ".plot" ? plot : null),
    getAttribute: (name) => self.attributes.get(name) ?? null,
    setAttribute: (name, value) => void self.attributes.set(name, value),
    appendChild: (child) => void self.children.push(child),
  };
  return self;
}

interface Page {
  hosts: Map<string, FakeElement>;
  errors: unknown[][];
  resize: () => void;
  /** The document's toggle listener (a <details> opened or closed). */
  toggle: () => void;
  /** The options of the last Plot.pointer call (the line chart's tooltip). */
  pointer?: Record<string, unknown>;
}

/** Runs CLIENT_SCRIPT over one figure per spec (and the given data text); returns each figure's host. */
function runPage(
  specs: Record<string, PlotSpec | { kind: string }>,
  dataText = JSON.stringify({ figures: specs }),
): Page {
  const hosts = new Map(Object.keys(specs).map((id) => [id, element()]));
  const figures = [...hosts].map(([id, host]) => element(id, host));
  const dataBlock = { textContent: dataText };
  const page: Page = { hosts, errors: [], resize: () => {}, toggle: () => {} };
  const document = {
    querySelectorAll: (selector: string) => (selector === "figure[data-plot]" ? figures : []),
    getElementById: (id: string) => (id === REPORT_DATA_ID ? dataBlock : null),
    createElement: () => element(),
    addEventListener: (type: string, listener: () => void) => {
      if (type === "toggle") page.toggle = listener;
    },
  };
  const window = {
    addEventListener: (type: string, listener: () => void) => {
      if (type === "resize") page.resize = listener;
    },
  };
  const console = { error: (...values: unknown[]) => page.errors.push(values) };
  const plot = {
    ...Plot,
    plot: (options: Record<string, unknown>) => ({ ...element(), plotted: options }),
    pointer: (options: Record<string, unknown>) => {
      page.pointer = options;
      return Plot.pointer(options);
    },
  };
  const run = new Function(
    "document",
    "window",
    "Plot",
    "d3",
    "console",
    "setTimeout",
    "clearTimeout",
    "location",
    CLIENT_SCRIPT,
  );
  run(
    document,
    window,
    plot,
    d3,
    console,
    (f: () => void) => f(),
    () => {},
    { hash: "" },
  );
  return page;
}

function host(page: Page, id: string): FakeElement {
  const found = page.hosts.get(id);
  if (!found) throw new Error(`no figure ${id}`);
  return found;
}

function plotted(page: Page, id: string): Record<string, unknown> {
  const children = host(page, id).children;
  expect(children, `figure ${id}: ${JSON.stringify(page.errors)}`).toHaveLength(1);
  const options = children[0].plotted;
  if (options === undefined) throw new Error(`figure ${id} shows '${children[0].textContent}', not a plot`);
  return options;
}

const line: PlotSpec = {
  kind: "line",
  x: { label: "step" },
  y: { label: "loss", log: true },
  series: [
    { name: "train", x: [1, 2, 3], y: [5, 0.5, null] },
    { name: "val", x: [2], y: [0.8], dots: true },
  ],
  rules: [{ axis: "y", value: 50, label: "uniform" }],
};
const heatmap: PlotSpec = {
  kind: "heatmap",
  cells: [
    { x: 1, y: "a", value: 0.01 },
    { x: 2, y: "a", value: 10 },
    { x: 1, y: "b", value: null },
  ],
  color: { log: true, label: "norm" },
};
const bar: PlotSpec = {
  kind: "bar",
  horizontal: true,
  x: { log: true },
  bars: [
    { label: "rnn", value: 0.02, group: "T=10" },
    { label: "rnn", value: 3, group: "T=50" },
    { label: "gru", value: 0.5, group: "T=10" },
  ],
};
const scatter: PlotSpec = {
  kind: "scatter",
  points: [
    { x: 1, y: 2, series: "a", label: "first" },
    { x: 3, y: 4, series: "b" },
  ],
};

describe("the report page's drawing script (CLIENT_SCRIPT)", () => {
  it("is its functions' source and one call, with nothing that closes or comments out the script element", () => {
    expect(CLIENT_SCRIPT).toMatch(/drawReport\("rnnlab-report-data"\);\n\}\)\(\);\n$/);
    expect(CLIENT_SCRIPT).not.toMatch(/<\/script|<!--/i);
  });

  it("draws a line, a heatmap, a bar chart and a scatter plot, with no error", () => {
    const page = runPage({ line, heatmap, bar, scatter });
    expect(page.errors).toEqual([]);
    for (const id of ["line", "heatmap", "bar", "scatter"]) expect(plotted(page, id).width).toBe(640);
  });

  it("gives a log axis explicit ticks over the points and the rules: 1-2-5 steps over 0.5..50", () => {
    const options = plotted(runPage({ line }), "line");
    expect(options.y).toMatchObject({ type: "log", label: "loss", ticks: [0.5, 1, 2, 5, 10, 20, 50] });
  });

  it("writes tooltips with the series, the axes' labels and grouped thousands", () => {
    const title = runPage({ line }).pointer?.title;
    if (typeof title !== "function") throw new Error("the line chart's tooltip has no title function");
    expect(title({ series: "train", x: 12_000, y: 0.123456 })).toBe("train\nstep 12,000\nloss 0.1235");
  });

  it("draws a heatmap's y upwards (yUp) with the ticks of the values in order: every 3rd of 0..63", () => {
    const cells = Array.from({ length: 64 }, (_, y) => ({ x: 1, y, value: y }));
    const options = plotted(runPage({ up: { kind: "heatmap", cells, yUp: true } }), "up");
    const ys = Array.from({ length: 64 }, (_, y) => y);
    expect(options.y).toMatchObject({ domain: ys.slice().reverse(), ticks: ys.filter((y) => y % 3 === 0) });
  });

  it("gives a grouped log bar chart one facet per label, bars from the power of ten below the smallest", () => {
    const options = plotted(runPage({ bar }), "bar");
    expect(options.fy).toMatchObject({ domain: ["rnn", "gru"] });
    expect(options.x).toMatchObject({ type: "log", ticks: [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2] });
  });

  it("shows a figure of an unknown kind, or unreadable data, as an error in its place", () => {
    const unknown = host(runPage({ pie: { kind: "pie" } }), "pie").children[0];
    expect(unknown.className).toBe("plot-error");
    expect(unknown.textContent).toBe("This figure could not be drawn: no figure of kind pie");
    const broken = host(runPage({ line }, "{ not json"), "line").children[0];
    expect(broken.textContent).toMatch(/^The figure data could not be read: /);
  });

  it("redraws on resize only a figure whose width changed", () => {
    const page = runPage({ line });
    const figure = host(page, "line");
    const first = figure.children[0];
    page.resize();
    expect(figure.children[0]).toBe(first);
    figure.clientWidth = 900;
    page.resize();
    expect(plotted(page, "line").width).toBe(900);
  });

  it("gives an axis whose values are all integers whole-number ticks only; not one with fractions", () => {
    const counts: PlotSpec = {
      kind: "line",
      series: [{ name: "rows right", x: [-1.5, 0, 1.5, 3], y: [3, 4, 1, 2] }],
      rules: [{ axis: "x", value: 0.5 }],
    };
    const options = plotted(runPage({ counts }), "counts");
    expect(options.y).toMatchObject({ ticks: [1, 2, 3, 4] });
    expect((options.y as { tickFormat: (v: number) => string }).tickFormat(4)).toBe("4");
    expect((options.x as { ticks?: unknown }).ticks).toBeUndefined();
    const bars = plotted(
      runPage({
        b: {
          kind: "bar",
          bars: [
            { label: "a", value: 3 },
            { label: "b", value: 1 },
          ],
        },
      }),
      "b",
    );
    expect(bars.y).toMatchObject({ ticks: [0, 1, 2, 3] });
    const off: PlotSpec = { ...counts, y: { integer: false } };
    expect((plotted(runPage({ off }), "off").y as { ticks?: unknown }).ticks).toBeUndefined();
  });

  it("draws rules' lines first (dashed, lighter), then the series, then the rules' labels", () => {
    const spec: PlotSpec = {
      kind: "line",
      series: [{ name: "ratio", x: [1, 2, 3], y: [1, 1, 1] }],
      rules: [{ axis: "y", value: 1, label: "bound" }],
    };
    const marks = plotted(runPage({ spec }), "spec").marks as object[];
    const kinds = marks.map((m) => m.constructor.name);
    expect(kinds.indexOf("RuleY")).toBeGreaterThanOrEqual(0);
    expect(kinds.indexOf("RuleY")).toBeLessThan(kinds.indexOf("Line"));
    expect(kinds.indexOf("Text")).toBeGreaterThan(kinds.indexOf("Line"));
    const rule = marks[kinds.indexOf("RuleY")] as { strokeDasharray?: string; strokeOpacity?: number };
    expect(rule.strokeDasharray).toBe("4,3");
  });

  it("labels every word of a cosine heatmap, turning x labels 45° when they do not fit side by side", () => {
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`);
    const cells = words.flatMap((x) => words.map((y) => ({ x, y, value: 0.5 })));
    const options = plotted(runPage({ cos: { kind: "heatmap", cells } }), "cos");
    expect(options.x).toMatchObject({ ticks: words, tickRotate: -45 });
    expect(options.y).toMatchObject({ ticks: words });
    expect(options.marginBottom as number).toBeGreaterThan(40);
    const few = words.slice(0, 6).flatMap((x) => words.slice(0, 6).map((y) => ({ x, y, value: 1 })));
    const wide = plotted(runPage({ few: { kind: "heatmap", cells: few } }), "few");
    expect(wide.x).toMatchObject({ ticks: words.slice(0, 6) });
    expect((wide.x as { tickRotate?: number }).tickRotate).toBeUndefined();
  });

  it("leaves a figure folded away (no width) undrawn, and draws it when a <details> opens", () => {
    const page = runPage({ line });
    const figure = host(page, "line");
    figure.clientWidth = 0;
    figure.textContent = "Drawing…";
    page.resize();
    expect(figure.children).toHaveLength(0);
    figure.clientWidth = 700;
    page.toggle();
    expect(plotted(page, "line").width).toBe(700);
  });
});
