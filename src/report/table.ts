// Tables of a report page: key–value tables and grid tables, whose long tails fold into a <details>.

import { escapeHtml, isHtml } from "./escape.js";
import { formatNumber } from "./format.js";
import { textHtml } from "./math.js";
import type { CellValue, GridColumn, Table } from "./page.js";

export function cellHtml(value: CellValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return escapeHtml(formatNumber(value));
  if (typeof value === "string") return unbrokenExponents(textHtml(value));
  if (isHtml(value)) return value.html;
  return `<pre class="pre">${escapeHtml(value.pre)}</pre>`;
}

/** Numbers in exponent form (2.40e-181) kept on one line: a narrow column would break them at the `-`.
 *  Only text between tags is touched, never an attribute. */
function unbrokenExponents(html: string): string {
  return html
    .split(/(<[^>]*>)/)
    .map((part, i) =>
      i % 2 === 1 ? part : part.replace(/\d[\d.,]*e[-+−]\d+/g, (n) => `<span class="nowrap">${n}</span>`),
    )
    .join("");
}

/** A kv table, or a grid table in a scrolling wrapper (with its folded rows after it). */
export function renderTable(table: Table): string {
  const title = table.title ? `<caption>${textHtml(table.title)}</caption>` : "";
  if (table.kind === "kv") {
    const rows = table.rows
      .map(([k, v]) => `<tr><th scope="row">${textHtml(k)}</th><td>${cellHtml(v)}</td></tr>`)
      .join("\n");
    return `<table class="kv">${title}<tbody>\n${rows}\n</tbody></table>`;
  }
  const columns = table.columns.map((c) => (typeof c === "string" ? { label: c } : c));
  const shown = Math.max(1, Math.floor(table.visibleRows ?? table.rows.length));
  const head = gridHead(columns);
  const first = gridTable(title, head, gridBody(table.rows.slice(0, shown), columns));
  const rest = table.rows.slice(shown);
  if (rest.length === 0) return `<div class="table-wrap">${first}</div>`;
  const summary = `Show ${formatNumber(rest.length)} more row${rest.length === 1 ? "" : "s"}`;
  const more = gridTable("", head, gridBody(rest, columns));
  return `<div class="table-wrap">${first}<details class="more-rows"><summary>${summary}</summary>${more}</details></div>`;
}

function gridTable(caption: string, head: string, body: string): string {
  return `<table class="grid">${caption}${head}<tbody>\n${body}\n</tbody></table>`;
}

/** The colgroup (when a column has a width) and the header row. */
function gridHead(columns: GridColumn[]): string {
  const colgroup = columns.some((c) => c.width)
    ? `<colgroup>${columns.map((c) => (c.width ? `<col style="width:${escapeHtml(c.width)}">` : "<col>")).join("")}</colgroup>`
    : "";
  const head = columns.map((c) => `<th scope="col"${alignAttr(c.align)}>${textHtml(c.label)}</th>`).join("");
  return `${colgroup}<thead><tr>${head}</tr></thead>`;
}

function gridBody(rows: CellValue[][], columns: GridColumn[]): string {
  return rows
    .map((row) => {
      const cells = row.map((v, i) => {
        const align = columns[i]?.align ?? (typeof v === "number" ? "right" : undefined);
        return `<td${alignAttr(align)}>${cellHtml(v)}</td>`;
      });
      return `<tr>${cells.join("")}</tr>`;
    })
    .join("\n");
}

function alignAttr(align: "left" | "right" | undefined): string {
  return align === "right" ? ' class="num"' : "";
}
