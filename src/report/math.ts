// Text with inline formulas: each `$…$` span is TeX, typeset as MathML by Temml (browsers draw MathML
// natively, so a page needs no fonts or script for it); the rest is escaped text. As in Pandoc, a span
// opens at a `$` followed by a non-space and closes at a `$` preceded by a non-space and not followed
// by a digit, so "costs $5 and $6" stays text; `\$` is a literal dollar sign, in text and in TeX.

import temml from "temml";
import { escapeHtml } from "./escape.js";

/** A `$…$` span: an escape (`\x`) or any character but `$` and `\`, starting and ending with a non-space. */
const FORMULA = /\\\$|\$(?![\s$])((?:\\.|[^$\\])*?(?:\\.|[^\s$\\]))\$(?!\d)/g;

/** HTML for a line of report text whose `$…$` spans are TeX formulas. A formula Temml cannot read
 *  stays as its escaped source (with the reason as a tooltip); this never throws. */
export function textHtml(text: string): string {
  let out = "";
  let last = 0;
  for (const m of text.matchAll(FORMULA)) {
    const at = m.index ?? 0;
    out += escapeHtml(text.slice(last, at));
    out += m[1] === undefined ? "$" : formulaHtml(m[1], m[0]);
    last = at + m[0].length;
  }
  return out + escapeHtml(text.slice(last));
}

/** MathML for the TeX `tex`, or the escaped `source` when it is malformed. */
function formulaHtml(tex: string, source: string): string {
  try {
    return temml.renderToString(tex, { throwOnError: true });
  } catch (e) {
    const reason = (e instanceof Error ? e.message : String(e)).trim();
    return `<span class="tex-error" title="${escapeHtml(reason)}">${escapeHtml(source)}</span>`;
  }
}
