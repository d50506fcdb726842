import { describe, expect, it } from "vitest";
import { renderPage, textHtml } from "../src/report/index.js";

describe("textHtml(text with $…$ formulas)", () => {
  it("typesets $\\sum_{i=1}^{T} x_i$ as MathML: a sum with limits and a subscript", () => {
    const html = textHtml("the sum $\\sum_{i=1}^{T} x_i$ here");
    expect(html).toMatch(/^the sum <math>.*<\/math> here$/);
    expect(html).toContain("<msubsup><mo");
    expect(html).toContain("∑");
    expect(html).toContain("<msub><mi>x</mi><mi>i</mi></msub>");
  });

  it("leaves dollars that open or close on a space, or close before a digit, as text", () => {
    expect(textHtml("costs $5 and $6")).toBe("costs $5 and $6");
    expect(textHtml("from $ 5 to 6 $")).toBe("from $ 5 to 6 $");
    expect(textHtml("$5 or $6")).toBe("$5 or $6");
    expect(textHtml("between $3$4")).toBe("between $3$4");
  });

  it("escapes <, & and quotes outside formulas and inside them", () => {
    expect(textHtml('a < b & "c"')).toBe("a &lt; b &amp; &quot;c&quot;");
    const html = textHtml("<b>x</b> and $x<y$");
    expect(html.startsWith("&lt;b&gt;x&lt;/b&gt; and <math>")).toBe(true);
    expect(html).toContain("<mo>&lt;</mo>");
    expect(html).not.toContain("<b>");
  });

  it("reads \\$ as a dollar sign, in text and in TeX", () => {
    expect(textHtml("\\$5 and $h_t$")).toMatch(
      /^\$5 and <math><msub><mi>h<\/mi><mi>t<\/mi><\/msub><\/math>$/,
    );
    expect(textHtml("$a\\$b$")).toContain("<mi>$</mi>");
  });

  it("shows a malformed formula as its escaped source, with the reason as a tooltip, and never throws", () => {
    for (const bad of ["$\\frac{1}$", "$x^{<$", "$\\begin{matrix}$", "$\\unknownmacro{x}$"]) {
      const html = textHtml(`see ${bad} here`);
      expect(html, bad).not.toContain("<math");
      expect(html, bad).toMatch(/^see <span class="tex-error" title="[^"]+">\$.*\$<\/span> here$/);
      expect(html, bad).not.toContain("<$");
    }
  });

  it("renderPage typesets formulas in headings, prose, notes, captions, titles and string cells, not in <title>", () => {
    const f = "$h_t$";
    const page = renderPage({
      title: `T ${f}`,
      assets: { d3: "", plot: "" },
      sections: [
        {
          heading: `H ${f}`,
          prose: `P ${f}`,
          notes: [`N ${f}`],
          tables: [
            { kind: "grid", title: `C ${f}`, columns: [`L ${f}`], rows: [[`V ${f}`], [{ pre: `pre ${f}` }]] },
          ],
          figures: [{ id: "f", title: `F ${f}`, caption: `K ${f}`, spec: { kind: "line", series: [] } }],
        },
      ],
    });
    const math = "<math><msub><mi>h</mi><mi>t</mi></msub></math>";
    for (const label of ["H", "P", "N", "C", "L", "V", "F", "K"])
      expect(page, label).toContain(`${label} ${math}`);
    expect(page).toContain(`<title>T ${f}</title>`);
    expect(page).toContain(`<h1>T ${math}</h1>`);
    expect(page).toContain(`<pre class="pre">pre ${f}</pre>`);
  });
});
