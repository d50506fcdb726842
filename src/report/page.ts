// A small builder for self-contained report pages: sections of prose, figures of key numbers, tables
// and plots, in one HTML file that opens from disk with no server and no network. The plots' data is
// embedded as JSON (spec.ts) and drawn in the browser by Observable Plot, whose source (and d3's) is
// inlined. Pure: imports nothing from Node.

import { CLIENT_SCRIPT, REPORT_DATA_ID } from "./client.js";
import { formatNumber } from "./format.js";
import { escapeHtml, type Html, isHtml, jsonForScript, scriptForInline } from "./escape.js";
import { textHtml } from "./math.js";
import type { PlotSpec } from "./spec.js";
import { PAGE_CSS } from "./style.js";
import { renderTable } from "./table.js";

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
  /** Show the first n rows; the rest fold into a `<details>` ("Show 91 more rows") under the same columns. */
  visibleRows?: number;
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
 * A section of the page, rendered in this order: heading, prose, notes, stats, tables, figures,
 * subsections. Text given as a string is escaped, its `$…$` spans typeset as TeX (textHtml; a string
 * of prose is split into paragraphs at blank lines); Html (rawHtml) is inserted as is.
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
  /** The body folds under its heading (a `<details>`), open or closed at first; by default it does not fold. */
  collapsible?: "open" | "closed";
  /** Sections inside this one, after its own content, with headings a level down (h3, then h4). */
  subsections?: Section[];
  /** A short label after the heading and its link in the contents, e.g. a verdict. */
  tag?: { label: string; tone?: Stat["tone"] };
  /** The section's link text in the contents (default: the heading). */
  tocLabel?: string;
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

/** An id made from a heading: lower case, runs of other characters as `-`, starting with a letter. */
export function slug(text: string): string {
  const s = text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return /^[a-z]/.test(s) ? s : `s-${s || "section"}`;
}

function renderStat(stat: Stat): string {
  const value = typeof stat.value === "number" ? formatNumber(stat.value) : textHtml(stat.value);
  const note = stat.note ? `<div class="stat-note">${textHtml(stat.note)}</div>` : "";
  return `<div class="stat tone-${stat.tone ?? "neutral"}"><div class="stat-label">${textHtml(stat.label)}</div><div class="stat-value">${value}</div>${note}</div>`;
}

/** Text with `$…$` formulas typeset, or Html as is. */
function richHtml(content: string | Html): string {
  return isHtml(content) ? content.html : textHtml(content);
}

function renderFigure(figure: Figure): string {
  const caption =
    figure.caption === undefined ? "" : ` <span class="caption">${richHtml(figure.caption)}</span>`;
  return [
    `<figure id="${figure.id}" class="fig" data-plot="${escapeHtml(figure.spec.kind)}">`,
    `<figcaption><span class="fig-title">${textHtml(figure.title)}</span>${caption}</figcaption>`,
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
            .map((s) => `<p>${textHtml(s)}</p>`),
    )
    .join("\n");
}

/** The heading's text (or another) and the section's tag, if any. */
function headingHtml(section: Section, text = section.heading): string {
  const tag = section.tag
    ? ` <span class="tag tone-${section.tag.tone ?? "neutral"}">${textHtml(section.tag.label)}</span>`
    : "";
  return `${textHtml(text)}${tag}`;
}

/** A section: heading (h2, h3 in a section, h4 below), body, subsections; all in a <details> when collapsible. */
function renderSection(section: Section, ids: Map<Section, string>, level: number): string {
  const heading = `<h${level}>${headingHtml(section)}</h${level}>`;
  const body: string[] = [];
  const prose = paragraphs(section.prose);
  if (prose) body.push(`<div class="prose">${prose}</div>`);
  for (const note of section.notes ?? []) body.push(`<p class="note">${richHtml(note)}</p>`);
  if (section.stats?.length) body.push(`<div class="stats">${section.stats.map(renderStat).join("")}</div>`);
  const tables = section.tables ?? [];
  const kv = tables.filter((t) => t.kind === "kv");
  if (kv.length > 0) body.push(`<div class="kv-tables">${kv.map(renderTable).join("\n")}</div>`);
  for (const t of tables) if (t.kind === "grid") body.push(renderTable(t));
  for (const f of section.figures ?? []) body.push(renderFigure(f));
  for (const sub of section.subsections ?? []) body.push(renderSection(sub, ids, Math.min(4, level + 1)));
  const id = ids.get(section) as string;
  const tag = level === 2 ? "section" : "article";
  if (!section.collapsible) return [`<${tag} id="${id}">`, heading, ...body, `</${tag}>`].join("\n");
  const open = section.collapsible === "open" ? " open" : "";
  return [
    `<${tag} id="${id}" class="fold">`,
    `<details${open}><summary>${heading}</summary>`,
    ...body,
    "</details>",
    `</${tag}>`,
  ].join("\n");
}

/** Links to the sections, and under each its subsections'. */
function renderToc(sections: Section[], ids: Map<Section, string>): string {
  const item = (s: Section): string => {
    const subs = s.subsections?.length ? `<ol>${s.subsections.map(item).join("")}</ol>` : "";
    const cls = subs ? ' class="toc-group"' : "";
    return `<li${cls}><a href="#${ids.get(s)}">${headingHtml(s, s.tocLabel)}</a>${subs}</li>`;
  };
  return `<nav class="toc" aria-label="Contents"><ol>${sections.map(item).join("")}</ol></nav>`;
}

/**
 * Every section's id, subsections included: the given ids first, then ids made from the headings,
 * distinct from every other id of the page (figures' included). Throws on an invalid or repeated id.
 */
function sectionIds(sections: Section[]): { ids: Map<Section, string>; figures: Record<string, PlotSpec> } {
  const taken = new Set<string>();
  const claim = (id: string, what: string): string => {
    if (!ID.test(id)) throw new Error(`${what} id '${id}' must be a letter then letters, digits, '-' or '_'`);
    if (taken.has(id)) throw new Error(`${what} id '${id}' is used twice in the page`);
    taken.add(id);
    return id;
  };
  const all = allSections(sections);
  const figures: Record<string, PlotSpec> = {};
  for (const s of all) {
    if (s.id !== undefined) claim(s.id, "section");
    for (const f of s.figures ?? []) figures[claim(f.id, "figure")] = f.spec;
  }
  const ids = new Map(all.map((s) => [s, s.id ?? claim(uniqueSlug(s.heading, taken), "section")]));
  return { ids, figures };
}

/**
 * The whole page: header, optional contents, sections, footer, the figures' data as JSON, the inlined
 * d3 and Plot sources and the script that draws the figures. Throws on an invalid or repeated id.
 */
export function renderPage(options: PageOptions): string {
  const { title, subtitle, sections, assets, footer } = options;
  const { ids, figures } = sectionIds(sections);
  const data: ReportData = { figures };
  const toc = options.toc ?? sections.length >= 4;
  const nav = toc ? renderToc(sections, ids) : "";
  const body = sections.map((s) => renderSection(s, ids, 2)).join("\n\n");
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
<h1>${textHtml(title)}</h1>
${subtitle === undefined ? "" : `<p class="subtitle">${richHtml(subtitle)}</p>`}
</header>
<noscript><p class="note">The plots are drawn by JavaScript, which is turned off: the text and tables below are complete, and every plot's data is embedded in this file as JSON.</p></noscript>
${nav}
${body}
${footer === undefined ? "" : `<footer>${richHtml(footer)}</footer>`}
</main>
<script type="application/json" id="${REPORT_DATA_ID}">${jsonForScript(data)}</script>
<script>${scriptForInline(assets.d3)}</script>
<script>${scriptForInline(assets.plot)}</script>
<script>${CLIENT_SCRIPT}</script>
</body>
</html>
`;
}

function allSections(sections: Section[]): Section[] {
  return sections.flatMap((s) => [s, ...allSections(s.subsections ?? [])]);
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
