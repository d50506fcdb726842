import type { HypothesisResult, TrainingClient } from "../../src/worker/client-entry.ts";

// The span hypothesis panel (LSTMVis, Strobelt et al. 2018): a span of the text read under the
// heatmap, chosen by dragging over it or with the start and end inputs; the worker finds the units
// on across it and off around it, and the corpus places where those units are all on together.

/** The text the heatmap shows: what a span or a position refers to. */
export interface ShownText {
  text: string;
  layer: number;
  tokens: string[];
}

/** A token as it reads in a line of text: a newline shows as ⏎ and still breaks the line. */
const visible = (token: string) => (token === "\n" ? "⏎\n" : token);

/** One span per token, `data-t` its position, newlines shown as ⏎. */
export function tokenSpans(tokens: readonly string[]): HTMLSpanElement[] {
  return tokens.map((token, t) => {
    const span = document.createElement("span");
    span.dataset.t = String(t);
    span.textContent = visible(token);
    return span;
  });
}
/** A snippet on one line: its newlines as ⏎. */
const oneLine = (text: string) => text.replaceAll("\n", "⏎");

export function spanPanel(
  panel: HTMLElement,
  client: TrainingClient,
  fail: (error: unknown) => void,
): { show(shown: ShownText): void } {
  panel.innerHTML = `
    <h2>Span hypothesis</h2>
    <p class="note-line">Select a span of the text (drag over it, or give its first and last character).
      The units of the layer that are on (h ≥ θ) at every character of the span and off (h &lt; θ) at
      the characters around it may stand for what the span is; the corpus then shows where those
      units are all on together.</p>
    <div class="token-text" data-testid="span-text" aria-label="the text read: drag to select a span"></div>
    <div class="row">
      <label for="span-start">first</label><input id="span-start" data-testid="span-start" type="number" min="0" value="0" />
      <label for="span-end">last</label><input id="span-end" data-testid="span-end" type="number" min="0" value="0" />
      <label for="span-threshold">threshold θ</label>
      <input id="span-threshold" data-testid="span-threshold" type="range" min="0" max="0.95" step="0.05" value="0.3" />
      <output for="span-threshold">0.30</output>
      <label for="span-margin">off around (characters)</label><input id="span-margin" data-testid="span-margin" type="number" min="0" max="20" value="2" />
      <button data-testid="find-units" type="button" disabled>Find units</button>
    </div>
    <p data-testid="span-units" role="status"></p>
    <ol class="matches" data-testid="matches"></ol>`;
  const $ = <T extends HTMLElement>(selector: string) => panel.querySelector(selector) as T;
  const line = $('[data-testid="span-text"]');
  const start = $<HTMLInputElement>("#span-start");
  const end = $<HTMLInputElement>("#span-end");
  const threshold = $<HTMLInputElement>("#span-threshold");
  const margin = $<HTMLInputElement>("#span-margin");
  const find = $<HTMLButtonElement>('[data-testid="find-units"]');
  const summary = $('[data-testid="span-units"]');
  const list = $('[data-testid="matches"]');
  let shown: ShownText | null = null;

  const highlight = () => {
    const [a, b] = [Number(start.value), Number(end.value)];
    for (const span of line.children) {
      const t = Number((span as HTMLElement).dataset.t);
      span.classList.toggle("selected", t >= a && t <= b);
    }
  };
  threshold.addEventListener("input", () => {
    $("output").textContent = Number(threshold.value).toFixed(2);
  });
  for (const input of [start, end]) input.addEventListener("input", highlight);

  // A drag over the text sets the span to the characters it covers.
  line.addEventListener("mouseup", () => {
    const selection = getSelection();
    if (!selection || selection.isCollapsed || !shown) return;
    const tokenAt = (node: Node | null) => {
      const element = node instanceof Element ? node : node?.parentElement;
      const t = element?.closest<HTMLElement>("[data-t]")?.dataset.t;
      return t === undefined ? null : Number(t);
    };
    const range = selection.getRangeAt(0);
    const a = tokenAt(range.startContainer);
    const b = tokenAt(range.endContainer);
    if (a === null || b === null) return;
    // A selection that ends at offset 0 of a character covers none of it.
    const last = range.endOffset === 0 && b > a ? b - 1 : b;
    start.value = String(Math.min(a, last));
    end.value = String(Math.max(a, last));
    highlight();
  });

  find.addEventListener("click", async () => {
    if (!shown) return;
    const request = {
      layer: shown.layer,
      start: Number(start.value),
      end: Number(end.value),
      threshold: Number(threshold.value),
      margin: Number(margin.value),
    };
    summary.textContent = "searching…";
    list.replaceChildren();
    find.disabled = true;
    try {
      const result = await client.hypothesis(shown.text, request);
      report(result, shown.tokens.slice(request.start, request.end + 1).join(""), request.threshold);
    } catch (error) {
      summary.textContent = "";
      fail(error);
    } finally {
      find.disabled = false;
    }
  });

  function report(result: HypothesisResult, span: string, theta: number): void {
    const { units, matches } = result;
    const where =
      result.searched === "corpus"
        ? `the first ${result.searchedTokens.toLocaleString()} characters of the corpus`
        : "the rest of the text";
    summary.textContent =
      units.length === 0
        ? `no unit is on across ${JSON.stringify(span)} and off around it at θ = ${theta}: lower θ or the margin, or pick another span`
        : `${units.length} unit(s) on across ${JSON.stringify(span)} and off around it: ${units.join(", ")}. ` +
          (matches.length === 0
            ? `They are never all on together in ${where}.`
            : `Where they are all on together in ${where}, closest in length first:`);
    list.replaceChildren(
      ...matches.map((match) => {
        const item = document.createElement("li");
        const mark = document.createElement("mark");
        mark.textContent = oneLine(match.text);
        item.append(oneLine(match.before), mark, oneLine(match.after));
        item.title = `characters ${match.start}–${match.end}; least value of the units, averaged: ${match.strength.toFixed(2)}`;
        return item;
      }),
    );
  }

  return {
    show(next: ShownText): void {
      shown = next;
      line.replaceChildren(...tokenSpans(next.tokens));
      const T = next.tokens.length;
      for (const input of [start, end]) input.max = String(T - 1);
      if (Number(end.value) >= T) [start.value, end.value] = ["0", "0"];
      highlight();
      find.disabled = false;
      summary.textContent = "";
      list.replaceChildren();
    },
  };
}
