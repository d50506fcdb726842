// A small builder for self-contained report pages: sections of prose, figures of key numbers, tables
// and plots, in one HTML file that opens from disk with no server and no network. The plots' data is
// embedded as JSON (spec.ts) and drawn in the browser by Observable Plot, whose source (and d3's) is
// inlined. Pure: imports nothing from Node.

import { CLIENT_SCRIPT, REPORT_DATA_ID } from "./client.js";
import { formatNumber } from "./format.js";
import { escapeHtml, type Html, isHtml, jsonForScript, scriptForInline, toHtml } from "./escape.js";
import type { PlotSpec } from "./spec.js";
import { PAGE_CSS } from "./style.js";

/** The library sources inlined in the page: d3 7's and Observable Plot 0.6's UMD bundles. */
export interface ReportAssets {
  d3: string;
  plot: string;
}

/** A plot: `spec` is drawn into `<figure id={id}>`, under a `<figcaption>` with the title and caption. */
export interface Figure {
  /** The figure element's id, unique in the page: a letter, then letters, digits, `-` or `_`. */
  id: string;
  title: string;
  caption?: string | Html;
  spec: PlotSpec;
}

/** A table cell: text (escaped), a number (formatted by formatNumber), Html, or preformatted text. */
export type CellValue = string | number | null | undefined | Html | { pre: string };

/** Two columns: a name and its value. */
export interface KeyValueTable {
  kind: "kv";
  title?: string;
  rows: [string, CellValue][];
}

export interface GridColumn {
  label: string;
  /** Numbers are right-aligned by default, everything else left. */
  align?: "left" | "right";
  /** CSS width, e.g. "5em" or "60%". */
  width?: string;
}

/** A table with a header row. */
export interface GridTable {
  kind: "grid";
  title?: string;
  columns: (string | GridColumn)[];
  rows: CellValue[][];
}

export type Table = KeyValueTable | GridTable;

/** A key number shown as a tile at the top of a section. */
export interface Stat {
  label: string;
  value: string | number;
  /** A line under the value. */
  note?: string;
  /** Colours the tile: good (green), bad (red), warn (amber); neutral by default. */
  tone?: "good" | "bad" | "warn" | "neutral";
}

/**
 * A section of the page, rendered in this order: heading, prose, notes, stats, tables, figures.
 * Text given as a string is escaped (a string of prose is split into paragraphs at blank lines);
 * Html (rawHtml) is inserted as is.
 */
export interface Section {
  /** The section element's id (default: made from the heading). */
  id?: string;
  heading: string;
  prose?: string | Html | (string | Html)[];
  /** Remarks set apart from the prose, e.g. why a figure is missing. */
  notes?: (string | Html)[];
  stats?: Stat[];
  tables?: Table[];
  figures?: Figure[];
}

export interface PageOptions {
  title: string;
  subtitle?: string | Html;
  sections: Section[];
  assets: ReportAssets;
  /** A line at the bottom of the page. */
  footer?: string | Html;
  /** A list of links to the sections under the header (default: when there are 4 sections or more). */
  toc?: boolean;
}

/** What the page embeds for its figures; readReportData gives it back from the HTML. */
export interface ReportData {
  figures: Record<string, PlotSpec>;
}

const ID = /^[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * Formats a number for a table: integers, and others from 1000 rounded to integers, with thousands
 * separators; others to `digits` significant digits, in exponent form below 1e-3 and from 1e6.
 */

/** An id made from a heading: lower case, runs of other characters as `-`, starting with a letter. */
export function slug(text: string): string {
  const s = text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return /^[a-z]/.test(s) ? s : `s-${s || "section"}`;
}

function cellHtml(value: CellValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return escapeHtml(formatNumber(value));
  if (typeof value === "string") return escapeHtml(value);
  if (isHtml(value)) return value.html;
  return `<pre class="pre">${escapeHtml(value.pre)}</pre>`;
}

function renderTable(table: Table): string {
  const title = table.title ? `<caption>${escapeHtml(table.title)}</caption>` : "";
  if (table.kind === "kv") {
    const rows = table.rows
      .map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${cellHtml(v)}</td></tr>`)
      .join("\n");
    return `<table class="kv">${title}<tbody>\n${rows}\n</tbody></table>`;
  }
  const columns = table.columns.map((c) => (typeof c === "string" ? { label: c } : c));
  const colgroup = columns.some((c) => c.width)
    ? `<colgroup>${columns.map((c) => (c.width ? `<col style="width:${escapeHtml(c.width)}">` : "<col>")).join("")}</colgroup>`
    : "";
  const head = columns
    .map((c) => `<th scope="col"${alignAttr(c.align)}>${escapeHtml(c.label)}</th>`)
    .join("");
  const body = table.rows
    .map((row) => {
      const cells = row.map((v, i) => {
        const align = columns[i]?.align ?? (typeof v === "number" ? "right" : undefined);
        return `<td${alignAttr(align)}>${cellHtml(v)}</td>`;
      });
      return `<tr>${cells.join("")}</tr>`;
    })
    .join("\n");
  return `<table class="grid">${title}${colgroup}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function alignAttr(align: "left" | "right" | undefined): string {
  return align === "right" ? ' class="num"' : "";
}

function renderStat(stat: Stat): string {
  const value = typeof stat.value === "number" ? formatNumber(stat.value) : stat.value;
  const note = stat.note ? `<div class="stat-note">${escapeHtml(stat.note)}</div>` : "";
  return `<div class="stat tone-${stat.tone ?? "neutral"}"><div class="stat-label">${escapeHtml(stat.label)}</div><div class="stat-value">${escapeHtml(value)}</div>${note}</div>`;
}

function renderFigure(figure: Figure): string {
  const caption =
    figure.caption === undefined ? "" : ` <span class="caption">${toHtml(figure.caption)}</span>`;
  return [
    `<figure id="${figure.id}" class="fig" data-plot="${escapeHtml(figure.spec.kind)}">`,
    `<figcaption><span class="fig-title">${escapeHtml(figure.title)}</span>${caption}</figcaption>`,
    `<div class="plot"><p class="plot-pending">Drawing…</p></div>`,
    "</figure>",
  ].join("\n");
}

function paragraphs(prose: Section["prose"]): string {
  if (prose === undefined) return "";
  const parts = Array.isArray(prose) ? prose : [prose];
  return parts
    .flatMap((p) =>
      isHtml(p)
        ? [p.html]
        : p
            .split(/\n\s*\n/)
            .map((s) => s.trim())
            .filter((s) => s.length > 0)
            .map((s) => `<p>${escapeHtml(s)}</p>`),
    )
    .join("\n");
}

function renderSection(section: Section, id: string): string {
  const out = [`<section id="${id}">`, `<h2>${escapeHtml(section.heading)}</h2>`];
  const prose = paragraphs(section.prose);
  if (prose) out.push(`<div class="prose">${prose}</div>`);
  for (const note of section.notes ?? []) out.push(`<p class="note">${toHtml(note)}</p>`);
  if (section.stats?.length) out.push(`<div class="stats">${section.stats.map(renderStat).join("")}</div>`);
  const tables = section.tables ?? [];
  const kv = tables.filter((t) => t.kind === "kv");
  if (kv.length > 0) out.push(`<div class="kv-tables">${kv.map(renderTable).join("\n")}</div>`);
  for (const t of tables) if (t.kind === "grid") out.push(`<div class="table-wrap">${renderTable(t)}</div>`);
  for (const f of section.figures ?? []) out.push(renderFigure(f));
  out.push("</section>");
  return out.join("\n");
}

/**
 * The whole page: header, optional contents, sections, footer, the figures' data as JSON, the inlined
 * d3 and Plot sources and the script that draws the figures. Throws on an invalid or repeated id.
 */
export function renderPage(options: PageOptions): string {
  const { title, subtitle, sections, assets, footer } = options;
  const ids = new Set<string>();
  const claim = (id: string, what: string): string => {
    if (!ID.test(id)) throw new Error(`${what} id '${id}' must be a letter then letters, digits, '-' or '_'`);
    if (ids.has(id)) throw new Error(`${what} id '${id}' is used twice in the page`);
    ids.add(id);
    return id;
  };
  const figures: Record<string, PlotSpec> = {};
  for (const s of sections) {
    if (s.id !== undefined) claim(s.id, "section");
    for (const f of s.figures ?? []) figures[claim(f.id, "figure")] = f.spec;
  }
  // Sections without an id get one made from the heading, distinct from every other id.
  const sectionIds = sections.map((s) => s.id ?? claim(uniqueSlug(s.heading, ids), "section"));
  const data: ReportData = { figures };
  const toc = options.toc ?? sections.length >= 4;
  const nav = toc
    ? `<nav class="toc"><ol>${sections.map((s, i) => `<li><a href="#${sectionIds[i]}">${escapeHtml(s.heading)}</a></li>`).join("")}</ol></nav>`
    : "";
  const body = sections.map((s, i) => renderSection(s, sectionIds[i])).join("\n\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:">
<meta name="generator" content="rnnlab">
<title>${escapeHtml(title)}</title>
<style>
${PAGE_CSS}
</style>
</head>
<body>
<main>
<header class="page-header">
<h1>${escapeHtml(title)}</h1>
${subtitle === undefined ? "" : `<p class="subtitle">${toHtml(subtitle)}</p>`}
</header>
<noscript><p class="note">The plots are drawn by JavaScript, which is turned off: the text and tables below are complete, and every plot's data is embedded in this file as JSON.</p></noscript>
${nav}
${body}
${footer === undefined ? "" : `<footer>${toHtml(footer)}</footer>`}
</main>
<script type="application/json" id="${REPORT_DATA_ID}">${jsonForScript(data)}</script>
<script>${scriptForInline(assets.d3)}</script>
<script>${scriptForInline(assets.plot)}</script>
<script>${CLIENT_SCRIPT}</script>
</body>
</html>
`;
}

function uniqueSlug(heading: string, taken: Set<string>): string {
  const s = slug(heading);
  let id = s;
  for (let i = 2; taken.has(id); i++) id = `${s}-${i}`;
  return id;
}

/** The figures' data embedded in a page made by renderPage (for tests and tools). */
export function readReportData(html: string): ReportData {
  const open = `<script type="application/json" id="${REPORT_DATA_ID}">`;
  const start = html.indexOf(open);
  if (start < 0) throw new Error("no report data in this page");
  const end = html.indexOf("</script>", start + open.length);
  return JSON.parse(html.slice(start + open.length, end)) as ReportData;
}
