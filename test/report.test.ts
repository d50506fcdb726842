import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadReportAssets, resolvePackageFile } from "../cli/report-assets.js";
import { UserError } from "../cli/errors.js";
import { Rng } from "../src/random.js";
import { CLIENT_SCRIPT } from "../src/report/client.js";
import { jsonForScript, rawHtml, scriptForInline } from "../src/report/escape.js";
import {
  buildTrainingReport,
  type HeatmapSpec,
  type LineSpec,
  type ReportAssets,
  readReportData,
  renderPage,
  renderTrainingReport,
  TRAINING_IDS,
} from "../src/report/index.js";
import type { MetricRecord, TrainRecord } from "../src/train/metrics.js";

// Stand-ins for the libraries: the page's structure does not depend on them.
const FAKE_ASSETS: ReportAssets = { d3: "window.d3 = {};", plot: "window.Plot = {};" };

const T = 16;
const EVIL_SAMPLE = "ROMEO:\n  What light</script><b>x</b> <!-- through yonder";

/** A small fake run: 50 training steps, validation and gradient flow every 10, then done. */
function fakeRun(options: { val?: boolean; gradflow?: boolean; done?: boolean } = {}): MetricRecord[] {
  const { val = true, gradflow = true, done = true } = options;
  const rng = new Rng(7);
  const records: MetricRecord[] = [
    {
      type: "run",
      // As `rnnlab train` writes it (its TrainSpec).
      config: {
        data: "data/tinyshakespeare.txt",
        tokenizer: "char",
        model: {
          cell: "lstm",
          activation: "tanh",
          hiddenSize: 64,
          layers: 1,
          embedding: 16,
          dtype: "float32",
        },
        seqLen: T,
        batch: 8,
        feed: {
          kind: "scheduled-sampling",
          schedule: { kind: "linear", k: 1, c: 0.01, min: 0.5 },
          pick: "sample",
        },
        clip: { kind: "norm", maxNorm: 1, normType: 2 },
        optimizer: { name: "adam", lr: 0.002 },
        lrSchedule: null,
        steps: 50,
        seed: 3,
        note: "</script><i>config</i>",
      },
      data: {
        path: "data/tinyshakespeare.txt",
        tokenizer: "char",
        vocabSize: 65,
        trainTokens: 1003854,
        valTokens: 111540,
      },
      unigramLoss: 3.3,
      startedAt: "2025-01-02T03:04:05.000Z",
    },
  ];
  for (let step = 1; step <= 50; step++) {
    const loss = 1.9 + 2.3 * Math.exp(-step / 12) + 0.08 * rng.normal();
    const gradNorm = Math.exp(0.6 * rng.normal()) * (step < 10 ? 4 : 1.2);
    const eps = Math.max(0.5, 1 - 0.01 * step);
    records.push({
      type: "train",
      step,
      loss,
      gradNorm,
      gradNormClipped: Math.min(gradNorm, 1),
      lr: step < 5 ? 0.002 * (step / 5) : 0.002,
      eps,
      groundTruthFraction: Math.min(1, Math.max(0, eps + 0.03 * rng.normal())),
      tokensPerSecond: 20000 + 500 * rng.normal(),
      elapsed: step * 0.4,
    });
    if (step % 10 === 0) {
      if (val) {
        records.push({
          type: "val",
          step,
          valLoss: 1.95 + 2.2 * Math.exp(-step / 12),
          sample: step === 30 ? EVIL_SAMPLE : `sample at step ${step}:\n\tthe  quick  fox`,
        });
      }
      if (gradflow) {
        const norms = Array.from(
          { length: T + 1 },
          (_, t) => 0.05 * Math.exp((t - T) / (2 + step / 10)) * (1 + step / 50),
        );
        records.push({ type: "gradflow", step, layer: 0, norms });
      }
    }
  }
  if (done) {
    records.push({
      type: "done",
      step: 50,
      valLoss: 1.96,
      unigramLoss: 3.3,
      tokensPerSecond: 20100,
      seconds: 20.5,
    });
  }
  return records;
}

/** The page with every script element's content removed (leaving the tags). */
function withoutScriptBodies(html: string): string {
  return html.replace(/(<script\b[^>]*>)[\s\S]*?(<\/script>)/gi, "$1$2");
}

/** The page's `<figure id=...>` elements, by id, with their inner HTML. */
function figures(html: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of withoutScriptBodies(html).matchAll(/<figure id="([^"]+)"[^>]*>([\s\S]*?)<\/figure>/g)) {
    out.set(m[1], m[2]);
  }
  return out;
}

function scriptTagCount(html: string): number {
  return (html.match(/<script\b/gi) ?? []).length;
}

/** Every src/href/action/srcset/poster/data attribute value in the markup outside scripts. */
function urlAttributes(html: string): string[] {
  const attrs = withoutScriptBodies(html).matchAll(
    /\s(?:src|href|action|srcset|poster|data|xlink:href)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi,
  );
  return [...attrs].map((m) => m[1].replace(/^["']|["']$/g, ""));
}

const ALL_FIGURES = [
  TRAINING_IDS.loss,
  TRAINING_IDS.gradNorm,
  TRAINING_IDS.learningRate,
  TRAINING_IDS.groundTruth,
  TRAINING_IDS.gradFlow,
  TRAINING_IDS.gradFlowProfile,
];

describe("renderTrainingReport(records, assets)", () => {
  const html = renderTrainingReport(fakeRun(), FAKE_ASSETS);
  // To look at the page in a browser: RNNLAB_REPORT_OUT=/tmp/report.html npx vitest run test/report.test.ts
  if (process.env.RNNLAB_REPORT_OUT)
    writeFileSync(process.env.RNNLAB_REPORT_OUT, renderTrainingReport(fakeRun(), loadReportAssets()));

  it("renderTrainingReport(fake run, real assets) references nothing outside the file: no http(s): or //cdn in src/href", () => {
    const page = renderTrainingReport(fakeRun(), loadReportAssets());
    const urls = urlAttributes(page);
    expect(urls.every((u) => !/^\s*(https?:|\/\/)/i.test(u))).toBe(true);
    expect(withoutScriptBodies(page)).not.toMatch(/(src|href)\s*=\s*["']?[^"'>]*(https?:|\/\/cdn)/i);
    expect(page).not.toMatch(/<link\b|<iframe\b|<img\b|@import/i);
    // Every script is inline: no script element has a src attribute.
    expect(page).not.toMatch(/<script\b[^>]*\ssrc\s*=/i);
    // The content security policy forbids every fetch as well.
    expect(page).toContain("default-src 'none'");
    // The only links are to the page's own sections.
    expect(urlAttributes(html).every((u) => u.startsWith("#"))).toBe(true);
  });

  it("renderTrainingReport(fake run) has each figure as <figure id=...> with a <figcaption>", () => {
    const found = figures(html);
    expect([...found.keys()].sort()).toEqual([...ALL_FIGURES].sort());
    for (const id of ALL_FIGURES) {
      expect(found.get(id)).toMatch(/<figcaption>[\s\S]*\S[\s\S]*<\/figcaption>/);
      expect(found.get(id)).toContain('<div class="plot">');
    }
    // The table of contents links every section, and each section exists.
    for (const m of html.matchAll(/<a href="#([^"]+)">/g)) expect(html).toContain(`<section id="${m[1]}">`);
  });

  it("readReportData(page) gives back the loss series (50 training, 5 validation points), the unigram rule and the heatmap cells", () => {
    const records = fakeRun();
    const data = readReportData(html);
    expect(Object.keys(data.figures).sort()).toEqual([...ALL_FIGURES].sort());
    const loss = data.figures[TRAINING_IDS.loss] as LineSpec;
    expect(loss.kind).toBe("line");
    const byName = new Map(loss.series.map((s) => [s.name, s]));
    const train = byName.get("training")!;
    const trainRecords = records.filter((r): r is TrainRecord => r.type === "train");
    expect(train.x).toEqual(trainRecords.map((r) => r.step));
    // Plotted to 6 significant digits.
    expect(train.y).toEqual(trainRecords.map((r) => Number(r.loss.toPrecision(6))));
    expect(byName.get("training (smoothed)")!.y).toHaveLength(50);
    expect(byName.get("validation")!.x).toEqual([10, 20, 30, 40, 50]);
    expect(loss.rules).toEqual([expect.objectContaining({ axis: "y", value: 3.3 })]);

    const grad = data.figures[TRAINING_IDS.gradNorm] as LineSpec;
    expect(grad.y?.log).toBe(true);
    expect(grad.series.map((s) => s.name)).toEqual(["before clipping", "after clipping"]);
    expect(grad.series.every((s) => s.y.length === 50)).toBe(true);
    expect(grad.rules).toEqual([expect.objectContaining({ axis: "y", value: 1 })]);

    const fed = data.figures[TRAINING_IDS.groundTruth] as LineSpec;
    expect(fed.series.map((s) => s.y.length)).toEqual([50, 50]);

    const heat = data.figures[TRAINING_IDS.gradFlow] as HeatmapSpec;
    expect(heat.kind).toBe("heatmap");
    expect(heat.color?.log).toBe(true);
    expect(heat.cells).toHaveLength(5 * (T + 1));
    const flow = records.find((r) => r.type === "gradflow" && r.step === 30);
    expect(heat.cells.filter((c) => c.x === 30).map((c) => c.value)).toEqual(
      flow?.type === "gradflow" && flow.norms.map((v) => Number(v.toPrecision(6))),
    );
    expect(new Set(heat.cells.map((c) => c.y)).size).toBe(T + 1);
  });

  it("renderTrainingReport(a sample holding </script><b>x</b>) escapes it: 4 script elements, the sample as text", () => {
    // d3, Plot, the drawing script and the JSON data: nothing else opens or closes a script.
    expect(scriptTagCount(html)).toBe(4);
    expect((html.match(/<\/script>/gi) ?? []).length).toBe(4);
    expect(html).not.toContain("<b>x</b>");
    expect(html).toContain("&lt;/script&gt;&lt;b&gt;x&lt;/b&gt; &lt;!-- through yonder");
    // Whitespace is kept (in a <pre>) and the config string is escaped too.
    expect(html).toContain('<pre class="pre">ROMEO:\n  What light&lt;/script&gt;');
    expect(html).toContain("&lt;/script&gt;&lt;i&gt;config&lt;/i&gt;");
    expect(html).not.toContain("<i>config</i>");
  });

  it("renderTrainingReport(fake run) shows the summary: final val loss against unigram, steps, tokens/s, data and config", () => {
    expect(html).toContain("Final validation loss");
    expect(html).toContain(">1.960<");
    expect(html).toContain("41% below unigram");
    expect(html).toContain(">3.300<");
    expect(html).toContain(">20,100<");
    expect(html).toContain(">1,003,854<");
    expect(html).toContain("LSTM, 64 units · scheduled sampling (linear eps, sample) · tinyshakespeare.txt");
    for (const [k, v] of [
      ["model", "LSTM, 64 units"],
      ["input", "embedding of 16"],
      ["clipping", "by norm: ‖g‖₂ ≤ 1"],
      ["optimizer", "adam, lr 0.002"],
      ["batch", "8 sequences × 16 tokens"],
      ["seed", "3"],
      ["feed.schedule.min", "0.5"],
      ["lrSchedule", "null"],
    ]) {
      expect(html).toContain(`<th scope="row">${k}</th><td>${v}</td>`);
    }
  });

  it("renderTrainingReport(run without val or gradflow records) omits those figures and the samples, with a note each", () => {
    const page = renderTrainingReport(fakeRun({ val: false, gradflow: false, done: false }), FAKE_ASSETS);
    const found = figures(page);
    expect(found.has(TRAINING_IDS.gradFlow)).toBe(false);
    expect(found.has(TRAINING_IDS.gradFlowProfile)).toBe(false);
    expect(found.has(TRAINING_IDS.loss)).toBe(true);
    expect(page).not.toContain('<table class="grid"');
    expect(page).toContain("No gradient-flow records yet");
    expect(page).toContain("No validation records yet: only the training loss is shown.");
    expect(page).toContain("No validation records yet: a sample is generated at every evaluation.");
    expect(page).toContain("in progress or interrupted");
    const loss = readReportData(page).figures[TRAINING_IDS.loss] as LineSpec;
    expect(loss.series.map((s) => s.name)).toEqual(["training", "training (smoothed)"]);
  });

  it("renderTrainingReport([]) and renderTrainingReport([run record]) give pages with no figures and notes", () => {
    for (const records of [[], fakeRun().slice(0, 1)]) {
      const page = renderTrainingReport(records, FAKE_ASSETS);
      expect(figures(page).size).toBe(0);
      expect(readReportData(page).figures).toEqual({});
      expect(page).toContain("No training or validation records yet");
      expect(scriptTagCount(page)).toBe(4);
    }
    expect(renderTrainingReport([], FAKE_ASSETS)).toContain("No run record");
  });

  it("renderTrainingReport(NaN and infinite values) writes them as null: gaps in the plots", () => {
    const records = fakeRun();
    const t = records.find((r): r is TrainRecord => r.type === "train" && r.step === 3)!;
    t.loss = Number.NaN;
    t.gradNorm = Number.POSITIVE_INFINITY;
    const data = readReportData(renderTrainingReport(records, FAKE_ASSETS));
    expect((data.figures[TRAINING_IDS.loss] as LineSpec).series[0].y[2]).toBeNull();
    expect((data.figures[TRAINING_IDS.gradNorm] as LineSpec).series[0].y[2]).toBeNull();
  });

  it("renderTrainingReport(resumed run repeating steps) keeps the later record of each step and says it was resumed", () => {
    const records = fakeRun({ done: false });
    const [run] = records;
    const again = fakeRun().filter((r) => r.type !== "run" && (r.step ?? 0) > 40);
    const replaced = again.map((r) => (r.type === "train" ? { ...r, loss: 9 } : r));
    const page = renderTrainingReport([...records, run, ...replaced], FAKE_ASSETS);
    const loss = readReportData(page).figures[TRAINING_IDS.loss] as LineSpec;
    expect(loss.series[0].x).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(loss.series[0].y.slice(40)).toEqual(Array(10).fill(9));
    expect(page).toContain("resumed 1 time");
    expect((readReportData(page).figures[TRAINING_IDS.gradFlow] as HeatmapSpec).cells).toHaveLength(
      5 * (T + 1),
    );
  });

  it("renderTrainingReport(records with valTokens) labels the periodic validation loss and the final one by what each is over", () => {
    const records = fakeRun().map((r) =>
      r.type === "val" ? { ...r, valTokens: 1024 } : r.type === "done" ? { ...r, valTokens: 1984 } : r,
    );
    const page = renderTrainingReport(records, FAKE_ASSETS);
    const loss = readReportData(page).figures[TRAINING_IDS.loss] as LineSpec;
    expect(loss.series.map((s) => s.name)).toContain("validation (1,024 tokens)");
    expect(page).toContain("nats/token on the full split, 1,984 tokens");
    expect(page).toContain("Its points are over 1,024 tokens of the split.");
    expect(page).toContain(
      "The dark point at step 50 is the summary&#39;s final validation loss, 1.960, over the full split, 1,984 tokens",
    );
    expect(page).toContain("with that evaluation&#39;s validation loss (over 1,024 tokens of the split).");
  });

  it("renderTrainingReport(a library user's config without feed) shows no training mode, not the input kind", () => {
    const [run, ...rest] = fakeRun();
    if (run.type !== "run") throw new Error("fakeRun() starts with its run record");
    const config = {
      model: { cell: "gru", hiddenSize: 32, input: { kind: "embedding", vocabSize: 65, embeddingSize: 16 } },
      seqLen: 16,
      batch: 8,
    };
    const report = buildTrainingReport([{ ...run, config }, ...rest]);
    expect(report.subtitle).toBe(
      "GRU, 32 units · tinyshakespeare.txt (characters, vocabulary 65) · started 2025-01-02 03:04 UTC",
    );
    const page = renderTrainingReport([{ ...run, config }, ...rest], FAKE_ASSETS);
    expect(page).toContain('<th scope="row">input</th><td>embedding of 16</td>');
    expect(page).not.toContain('<th scope="row">training mode</th>');
    expect(page).not.toContain("This run: embedding");
  });

  it("renderTrainingReport(malformed records read from a file) skips or patches them instead of throwing", () => {
    const bad = [
      null,
      { type: "unknown" },
      { type: "run", config: 5, startedAt: "not a date", unigramLoss: 3 },
      { type: "train", loss: 1 },
      { type: "val", step: 10, valLoss: 2 },
      { type: "gradflow", step: 10, layer: 0, norms: [] },
    ] as unknown as MetricRecord[];
    const page = renderTrainingReport(bad, FAKE_ASSETS);
    expect(figures(page).has(TRAINING_IDS.gradFlow)).toBe(false);
    expect(page).toContain("No gradient-flow records yet");
    expect(page).toContain("not a date");
  });

  it("renderTrainingReport(two layers of gradient flow) draws the top layer as grad-flow and the other as grad-flow-layer-0", () => {
    const records = fakeRun().flatMap((r): MetricRecord[] =>
      r.type === "gradflow" ? [r, { ...r, layer: 1 }] : [r],
    );
    const found = figures(renderTrainingReport(records, FAKE_ASSETS));
    expect(found.has("grad-flow")).toBe(true);
    expect(found.has("grad-flow-layer-0")).toBe(true);
    expect(found.get("grad-flow")).toContain("layer 1, the top");
  });
});

describe("renderPage(options)", () => {
  const line: LineSpec = {
    kind: "line",
    series: [{ name: "a</script><!--b\u2028", x: [1, 2], y: [3, null] }],
  };

  it("renderPage(text with markup) escapes headings, prose, notes, stats and cells; rawHtml is inserted as is", () => {
    const page = renderPage({
      title: "T <1>",
      subtitle: "s & t",
      assets: FAKE_ASSETS,
      sections: [
        {
          heading: "H <2>",
          prose: ["one <p>\n\ntwo", rawHtml("<em>raw</em>")],
          notes: ["n <3>"],
          stats: [{ label: "L <4>", value: "v <5>", tone: "good" }],
          tables: [
            {
              kind: "kv",
              title: "K <6>",
              rows: [
                ["k <7>", "v <8>"],
                ["n", 1234.5678],
              ],
            },
            {
              kind: "grid",
              columns: ["c <9>"],
              rows: [[{ pre: "a  <b>\n c" }], [rawHtml("<code>c</code>")]],
            },
          ],
          figures: [{ id: "f1", title: "F <10>", caption: "C <11>", spec: line }],
        },
      ],
    });
    for (const s of [
      "T &lt;1&gt;",
      "s &amp; t",
      "H &lt;2&gt;",
      "<p>one &lt;p&gt;</p>\n<p>two</p>",
      "n &lt;3&gt;",
      "L &lt;4&gt;",
    ]) {
      expect(page).toContain(s);
    }
    for (const s of [
      "v &lt;5&gt;",
      "K &lt;6&gt;",
      "k &lt;7&gt;",
      "v &lt;8&gt;",
      "c &lt;9&gt;",
      "F &lt;10&gt;",
      "C &lt;11&gt;",
    ]) {
      expect(page).toContain(s);
    }
    expect(page).toContain("<em>raw</em>");
    expect(page).toContain("<code>c</code>");
    expect(page).toContain('<pre class="pre">a  &lt;b&gt;\n c</pre>');
    expect(page).toContain(">1,235<");
    expect(page).toContain('<figure id="f1" class="fig" data-plot="line">');
    expect(page).toContain("<noscript>");
  });

  it("renderPage(a series named '</script><!--') embeds it as JSON that parses back, without breaking the page", () => {
    const page = renderPage({
      title: "t",
      assets: FAKE_ASSETS,
      sections: [{ heading: "h", figures: [{ id: "f", title: "f", spec: line }] }],
    });
    expect(scriptTagCount(page)).toBe(4);
    expect(withoutScriptBodies(page)).not.toContain("<!--");
    expect(readReportData(page).figures.f).toEqual(line);
  });

  it("renderPage(bar and scatter figures) embeds their specs", () => {
    const page = renderPage({
      title: "t",
      assets: FAKE_ASSETS,
      sections: [
        {
          heading: "h",
          figures: [
            { id: "b", title: "b", spec: { kind: "bar", bars: [{ label: "x", value: 1 }] } },
            { id: "s", title: "s", spec: { kind: "scatter", points: [{ x: 1, y: 2, label: "king" }] } },
          ],
        },
      ],
    });
    expect(Object.keys(readReportData(page).figures)).toEqual(["b", "s"]);
    expect([...figures(page).keys()]).toEqual(["b", "s"]);
  });

  it("renderPage(repeated or invalid ids) throws; a heading's id steers clear of figure ids", () => {
    const fig = { id: "loss", title: "t", spec: line };
    expect(() =>
      renderPage({
        title: "t",
        assets: FAKE_ASSETS,
        sections: [
          { heading: "a", figures: [fig] },
          { heading: "b", figures: [fig] },
        ],
      }),
    ).toThrow(/'loss' is used twice/);
    expect(() =>
      renderPage({
        title: "t",
        assets: FAKE_ASSETS,
        sections: [{ heading: "a", figures: [{ ...fig, id: '1 bad"' }] }],
      }),
    ).toThrow(/must be a letter/);
    const page = renderPage({
      title: "t",
      assets: FAKE_ASSETS,
      sections: [{ heading: "Loss", figures: [fig] }, { heading: "Loss" }],
    });
    expect(page).toContain('<section id="loss-2">');
    expect(page).toContain('<section id="loss-3">');
    expect(page).toContain('<figure id="loss"');
  });

  it("renderPage(a grid table of 100 rows, visibleRows 9) shows 9 rows and folds 91 under the same columns", () => {
    const rows = Array.from({ length: 100 }, (_, i) => [`w${i}`, i]);
    const page = renderPage({
      title: "t",
      assets: FAKE_ASSETS,
      sections: [{ heading: "h", tables: [{ kind: "grid", columns: ["word", "n"], rows, visibleRows: 9 }] }],
    });
    const [shown, folded] = page.split('<details class="more-rows">');
    expect(folded).toBeDefined();
    expect(shown.match(/<td>w\d+<\/td>/g)).toHaveLength(9);
    expect(folded).toMatch(
      /^<summary>Show 91 more rows<\/summary><table class="grid"><thead><tr><th scope="col">word<\/th>/,
    );
    expect(folded.match(/<td>w\d+<\/td>/g)).toHaveLength(91);
    expect(folded).toContain("<td>w9</td>");
    const all = renderPage({
      title: "t",
      assets: FAKE_ASSETS,
      sections: [
        { heading: "h", tables: [{ kind: "grid", columns: ["word", "n"], rows, visibleRows: 100 }] },
      ],
    });
    expect(all).not.toContain("<details");
  });

  it("renderPage(a grid cell '2.40e-181 (vanishing)') keeps the number on one line", () => {
    const exponents = renderPage({
      title: "t",
      assets: FAKE_ASSETS,
      sections: [
        { heading: "h", tables: [{ kind: "grid", columns: ["max"], rows: [["2.40e-181 (vanishing)"]] }] },
      ],
    });
    expect(exponents).toContain('<td><span class="nowrap">2.40e-181</span> (vanishing)</td>');
  });

  it("renderPage(collapsible sections with subsections) folds them in <details> under their headings, with a nested contents", () => {
    const page = renderPage({
      title: "t",
      assets: FAKE_ASSETS,
      toc: true,
      sections: [
        {
          id: "q1",
          heading: "Question 1",
          collapsible: "closed",
          subsections: [
            { id: "claim-a", heading: "Claim a", tag: { label: "holds", tone: "good" }, prose: "body a" },
            { heading: "Claim b", collapsible: "open", figures: [{ id: "fb", title: "b", spec: line }] },
          ],
        },
      ],
    });
    expect(page).toContain('<section id="q1" class="fold">\n<details><summary><h2>Question 1</h2></summary>');
    expect(page).toContain(
      '<article id="claim-a">\n<h3>Claim a <span class="tag tone-good">holds</span></h3>',
    );
    expect(page).toContain(
      '<article id="claim-b" class="fold">\n<details open><summary><h3>Claim b</h3></summary>',
    );
    expect(page.indexOf('id="claim-a"')).toBeLessThan(page.indexOf("</details>\n</section>"));
    const toc = page.slice(page.indexOf('<nav class="toc"'), page.indexOf("</nav>"));
    expect(toc).toContain(
      '<li class="toc-group"><a href="#q1">Question 1</a><ol><li><a href="#claim-a">Claim a <span',
    );
    expect(toc).toContain('<a href="#claim-b">Claim b</a>');
    expect(Object.keys(readReportData(page).figures)).toEqual(["fb"]);
  });

  it("CLIENT_SCRIPT parses as JavaScript", () => {
    expect(() => new Function(CLIENT_SCRIPT)).not.toThrow();
  });
});

describe("jsonForScript / scriptForInline", () => {
  it("jsonForScript(value with </script>, <!--, &, U+2028) has none of them and JSON.parse gives the value back", () => {
    const value = { s: "</script><!-- & -->\u2028\u2029", n: [1, 2.5, null] };
    const json = jsonForScript(value);
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(json)).toEqual(value);
  });

  it("scriptForInline(source) rewrites </script and <!-- to escapes that leave string literals unchanged", () => {
    const source = "return ['</SCRIPT>', \"<!--\", `</script`, /<\\/script<!--/u.test('</script<!--')];";
    const safe = scriptForInline(source);
    expect(safe).not.toMatch(/<\/script|<!--/i);
    expect(new Function(safe)()).toEqual(new Function(source)());
  });
});

describe("loadReportAssets()", () => {
  it("loadReportAssets() reads d3 7's and Observable Plot 0.6's UMD bundles, which inline as they are", () => {
    const { d3, plot } = loadReportAssets();
    expect(d3).toMatch(/d3js\.org v7\./);
    expect(plot).toMatch(/@observablehq\/plot v0\.6\./);
    for (const src of [d3, plot]) {
      expect(src.length).toBeGreaterThan(100_000);
      expect(scriptForInline(src)).toBe(src);
    }
  });

  it("resolvePackageFile(package, file hidden by its exports) finds it; resolvePackageFile(missing package) throws a UserError", () => {
    expect(resolvePackageFile("d3", "dist/d3.min.js").replaceAll("\\", "/")).toMatch(
      /node_modules\/d3\/dist\/d3\.min\.js$/,
    );
    expect(resolvePackageFile("@observablehq/plot", "dist/plot.umd.min.js")).toMatch(/plot\.umd\.min\.js$/);
    expect(() => resolvePackageFile("no-such-package-rnnlab", "x.js")).toThrow(UserError);
  });
});
