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
  background: #fffbeb;
  border: 1px solid #fde68a;
  border-radius: 8px;
  color: #78350f;
  font-size: 14px;
}
.toc { margin: -8px 0 32px; font-size: 14px; }
.toc ol { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 6px 18px; }
.toc li { counter-increment: toc; }
.toc li::before { content: counter(toc) ". "; color: var(--faint); }
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
  background: #fafafa;
  white-space: nowrap;
}
table.grid tbody tr:last-child td { border-bottom: 0; }
td.num, th.num { text-align: right; white-space: nowrap; }
pre.pre {
  margin: 0;
  white-space: pre-wrap;
  overflow-wrap: anywhere;
  line-height: 1.45;
  color: #111827;
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
@media print {
  body { background: white; }
  figure.fig, .stat, .table-wrap, table.kv { break-inside: avoid; }
}
`;
