// Escaping for the report pages: text into HTML, JSON and library sources into inline <script>s.
// Pure: runs in Node and in a browser.

/** A fragment of HTML that is inserted as is (trusted: built by this module or by the caller). */
export interface Html {
  readonly html: string;
}

/** Marks a string as trusted HTML, inserted into the page without escaping. */
export function rawHtml(html: string): Html {
  return { html };
}

export function isHtml(value: unknown): value is Html {
  return typeof value === "object" && value !== null && typeof (value as Html).html === "string";
}

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for HTML element content and (double- or single-quoted) attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** Text is escaped, Html is inserted as is. */
export function toHtml(content: string | Html): string {
  return isHtml(content) ? content.html : escapeHtml(content);
}

/**
 * JSON for a `<script type="application/json">` block: `<`, `>` and `&` become \u escapes (so neither
 * `</script>` nor `<!--` can appear), as do U+2028/U+2029. JSON.parse of the block's text gives `value`
 * back. Non-finite numbers become null, as in JSON.stringify.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * JavaScript source made safe to inline in a classic `<script>` element: `</script` and `<!--`, which
 * would end the element or change how the HTML parser reads it, are rewritten as `<\/script` and `<\x21--`,
 * escapes that mean the same inside string literals, template literals and regular expressions (also
 * with the u flag), the only places a library's source can hold them. Minified d3 7 and Observable Plot 0.6 hold neither.
 */
export function scriptForInline(source: string): string {
  return source.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\x21--");
}
