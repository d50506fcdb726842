import type { ExperimentInfo } from "../../lab/types.ts";
import { isHtml } from "../../src/report/escape.ts";
import { textHtml } from "../../src/report/math.ts";
import { renderTable } from "../../src/report/table.ts";
import { drawFigures } from "./lab-figures.ts";
import type { ClaimOutcome } from "./lab-protocol.ts";

// A claim's details, as the lab report lays out its section: the claim, the evidence, the correction,
// the tables, then the figures (drawn a moment later, one at a time, by lab-figures.ts).

/** Fills `host` and starts drawing the figures; `redraw` draws them again at the host's new width
 *  (after a resize), `cancel` stops the drawing. */
export function renderDetails(
  host: HTMLElement,
  info: ExperimentInfo,
  result: ClaimOutcome | null,
): { redraw(): void; cancel(): void } {
  const parts = [paragraph("Claim", info.claim)];
  if (result === null) {
    parts.push(
      '<p class="lab-pending">Not computed yet: the evidence, tables and figures come with the result.</p>',
    );
  } else {
    parts.push(paragraph("Evidence", result.evidence));
    if (result.correction) parts.push(paragraph("Correction", result.correction));
    const tables = result.tables ?? [];
    const kv = tables.filter((t) => t.kind === "kv");
    if (kv.length > 0) parts.push(`<div class="kv-tables">${kv.map(renderTable).join("")}</div>`);
    for (const t of tables) if (t.kind === "grid") parts.push(renderTable(t));
    const figures = result.figures ?? [];
    if (figures.length > 0) parts.push(`<div class="lab-figures">${figures.map(figureHtml).join("")}</div>`);
  }
  host.innerHTML = parts.join("");
  const hosts = Array.from(host.querySelectorAll<HTMLElement>(".lab-figures .plot"));
  const jobs = (result?.figures ?? []).map((figure, i) => ({ host: hosts[i], spec: figure.spec }));
  let stop = () => {};
  const draw = () => {
    stop();
    stop = drawFigures(jobs);
  };
  draw();
  return { redraw: draw, cancel: () => stop() };
}

/** The labelled text, split into paragraphs at blank lines as the report does. */
function paragraph(label: string, text: string): string {
  const [first, ...rest] = text.split(/\n\s*\n/).map((s) => textHtml(s.trim()));
  return [`<p><span class="lab-label">${label}.</span> ${first}</p>`, ...rest.map((p) => `<p>${p}</p>`)].join(
    "",
  );
}

function figureHtml(figure: NonNullable<ClaimOutcome["figures"]>[number]): string {
  const caption =
    figure.caption === undefined
      ? ""
      : ` <span class="caption">${isHtml(figure.caption) ? figure.caption.html : textHtml(figure.caption)}</span>`;
  return `<figure class="lab-figure"><figcaption><span class="fig-title">${textHtml(figure.title)}</span>${caption}</figcaption><div class="plot"><p class="plot-pending">Drawing…</p></div></figure>`;
}
