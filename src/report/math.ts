// Text with inline formulas: `$…$` spans are TeX, typeset as MathML; the rest is escaped text.
// (Stub: escapes everything; the typesetter is being written.)

import { escapeHtml } from "./escape.js";

/** HTML for a line of report text whose `$…$` spans are TeX formulas. */
export function textHtml(text: string): string {
  return escapeHtml(text);
}
