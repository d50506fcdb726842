// The report pages' stylesheet: light, system fonts, one readable column; figures span the column.

export const PAGE_CSS = `:root {
  --fg: #1f2937;
  --muted: #6b7280;
  --faint: #9ca3af;
  --line: #e5e7eb;
  --bg: #f7f8fa;
  --card: #ffffff;
  --accent: #2563eb;
  --good: #15803d;
  --bad: #b91c1c;
  --warn: #b45309;
  --head: #fafafa;
  --chip: #f3f4f6;
  --good-bg: #dcfce7;
  --bad-bg: #fee2e2;
  --warn-bg: #fef3c7;
  --note-bg: #fffbeb;
  --note-line: #fde68a;
  --note-fg: #78350f;
  color-scheme: light dark;
  --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0;
  background: var(--bg);
  color: var(--fg);
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif;
  font-variant-numeric: tabular-nums;
}
main { max-width: 960px; margin: 0 auto; padding: 40px 24px 64px; }
.page-header { margin-bottom: 28px; }
h1 { font-size: 28px; line-height: 1.2; margin: 0 0 6px; letter-spacing: -0.01em; }
.subtitle { margin: 0; color: var(--muted); font-size: 15px; }
h2 {
  font-size: 19px;
  margin: 0 0 14px;
  padding-bottom: 8px;
  border-bottom: 1px solid var(--line);
  letter-spacing: -0.005em;
}
section { margin: 0 0 40px; }
p { margin: 0 0 12px; }
.prose { max-width: 72ch; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre { font-family: var(--mono); font-size: 13px; }
.note {
  margin: 0 0 14px;
  padding: 10px 14px;
  background: var(--note-bg);
  border: 1px solid var(--note-line);
  border-radius: 8px;
  color: var(--note-fg);
  font-size: 14px;
}
.toc { margin: -8px 0 32px; font-size: 14px; }
.toc ol { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 6px 18px; }
.toc > ol > li { counter-increment: toc; }
.toc > ol > li::before { content: counter(toc) ". "; color: var(--faint); }
.toc li.toc-group { flex-basis: 100%; margin-top: 6px; }
.toc li.toc-group > a { font-weight: 600; }
.toc li.toc-group > ol { margin: 4px 0 2px 1.4em; gap: 4px 16px; }
.tag {
  display: inline-block;
  margin-left: 6px;
  padding: 0 7px;
  border-radius: 999px;
  font-size: 12px;
  font-weight: 600;
  line-height: 1.6;
  vertical-align: 0.1em;
  color: var(--muted);
  background: var(--chip);
}
.tag.tone-good { color: var(--good); background: var(--good-bg); }
.tag.tone-bad { color: var(--bad); background: var(--bad-bg); }
.tag.tone-warn { color: var(--warn); background: var(--warn-bg); }
article { margin: 0 0 36px; }
h3 { font-size: 16.5px; margin: 28px 0 12px; padding-bottom: 6px; border-bottom: 1px dashed var(--line); }
h4 { font-size: 15px; margin: 20px 0 10px; }
.fold > details > summary { cursor: pointer; list-style: none; }
.fold > details > summary::-webkit-details-marker { display: none; }
.fold > details > summary > :is(h2, h3, h4)::before {
  content: "▸";
  display: inline-block;
  width: 1.1em;
  color: var(--faint);
  transition: transform 0.15s;
}
.fold > details[open] > summary > :is(h2, h3, h4)::before { transform: rotate(90deg); }
.fold > details:not([open]) > summary > h2 { margin-bottom: 0; }
section.fold { margin-bottom: 24px; }
details.more-rows { border-top: 1px solid var(--line); }
details.more-rows > summary { cursor: pointer; padding: 8px 12px; font-size: 13.5px; color: var(--accent); }

math { font-size: 1.08em; }
.tex-error { font-family: var(--mono); font-size: 0.92em; color: var(--bad); }
.stats {
  display: grid;
  grid-template-columns: repeat(auto-fit, minmax(150px, 1fr));
  gap: 12px;
  margin: 0 0 18px;
}
.stat {
  background: var(--card);
  border: 1px solid var(--line);
  border-radius: 10px;
  padding: 12px 14px;
}
.stat.tone-good, .stat.tone-bad, .stat.tone-warn { border-left-width: 4px; }
.stat.tone-good { border-left-color: var(--good); }
.stat.tone-bad { border-left-color: var(--bad); }
.stat.tone-warn { border-left-color: var(--warn); }
.stat-label { font-size: 12px; text-transform: uppercase; letter-spacing: 0.05em; color: var(--muted); }
.stat-value { font-size: 24px; font-weight: 600; line-height: 1.3; margin-top: 2px; overflow-wrap: anywhere; }
.stat.tone-good .stat-value { color: var(--good); }
.stat.tone-bad .stat-value { color: var(--bad); }
.stat.tone-warn .stat-value { color: var(--warn); }
.stat-note { font-size: 12.5px; color: var(--muted); margin-top: 2px; }
.kv-tables {
  display: grid;
  grid-template-columns: repeat(auto-fit, minmax(300px, 1fr));
  gap: 14px 24px;
  align-items: start;
  margin: 0 0 18px;
}
table { border-collapse: collapse; width: 100%; font-size: 14px; background: var(--card); }
caption {
  caption-side: top;
  text-align: left;
  font-weight: 600;
  font-size: 13px;
  color: var(--muted);
  text-transform: uppercase;
  letter-spacing: 0.05em;
  padding: 0 0 6px;
}
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
table.kv { border: 1px solid var(--line); border-radius: 10px; border-collapse: separate; border-spacing: 0; overflow: hidden; }
table.kv th { font-weight: 500; color: var(--muted); width: 42%; white-space: nowrap; }
table.kv td { font-family: var(--mono); font-size: 13px; overflow-wrap: anywhere; }
table.kv tr:last-child th, table.kv tr:last-child td { border-bottom: 0; }
.table-wrap { overflow-x: auto; margin: 0 0 18px; border: 1px solid var(--line); border-radius: 10px; background: var(--card); }
.table-wrap caption { padding: 10px 12px 6px; }
table.grid thead th {
  font-size: 12px;
  font-weight: 600;
  color: var(--muted);
  text-transform: uppercase;
  letter-spacing: 0.05em;
  background: var(--head);
  vertical-align: bottom;
}
table.grid tbody tr:last-child td { border-bottom: 0; }
td.num, th.num { text-align: right; }
td.num { white-space: nowrap; }
table.grid td { overflow-wrap: break-word; }
.nowrap { white-space: nowrap; }
math, .tag { text-transform: none; letter-spacing: normal; white-space: nowrap; }
pre.pre {
  margin: 0;
  white-space: pre-wrap;
  overflow-wrap: anywhere;
  line-height: 1.45;
  color: var(--fg);
}
figure.fig {
  margin: 0 0 20px;
  padding: 16px 18px 12px;
  background: var(--card);
  border: 1px solid var(--line);
  border-radius: 12px;
}
figure.fig figcaption { margin: 0 0 10px; font-size: 14px; color: var(--muted); max-width: 80ch; }
.fig-title { display: block; font-size: 15.5px; font-weight: 600; color: var(--fg); margin-bottom: 2px; }
.plot { width: 100%; min-height: 60px; }
.plot figure { margin: 0; }
.plot > svg, .plot > figure > svg { display: block; max-width: 100%; height: auto; }
.plot [class*="-swatches"] { font-size: 12.5px; color: var(--fg); margin-bottom: 4px; }
.plot [class*="-swatch"] > svg { border-radius: 2px; }
.plot-pending { color: var(--faint); font-size: 13px; }
.plot-error { color: var(--bad); font-size: 14px; }
footer { margin-top: 48px; padding-top: 14px; border-top: 1px solid var(--line); color: var(--faint); font-size: 13px; }
@media (prefers-color-scheme: dark) {
  :root {
    --fg: #e5e7eb;
    --muted: #9ca3af;
    --faint: #6b7280;
    --line: #374151;
    --bg: #111418;
    --card: #1a1e24;
    --accent: #60a5fa;
    --good: #4ade80;
    --bad: #f87171;
    --warn: #fbbf24;
    --head: #21262d;
    --chip: #2a2f37;
    --good-bg: #14361f;
    --bad-bg: #3f1d1d;
    --warn-bg: #3a2c0f;
    --note-bg: #2a2410;
    --note-line: #5c4a1a;
    --note-fg: #fcd34d;
  }
  /* Plot writes halos and dot outlines as white presentation attributes, which CSS overrides. */
  .plot svg [stroke="white"] { stroke: var(--card); }
}
@media print {
  body { background: white; }
  figure.fig, .stat, .table-wrap, table.kv { break-inside: avoid; }
}
`;
