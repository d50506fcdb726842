import * as Plot from "@observablehq/plot";
import type { ConnectivityResult, TrainingClient } from "../../src/worker/client-entry.ts";
import { type ShownText, tokenSpans } from "./model-span.ts";

// The connectivity panel (RNNbow, Cashman et al. 2018; Madsen, Distill 2019): pick a character t,
// and every character s ≤ t is shaded by ‖∂L_t/∂x_s‖, with the same numbers against the distance
// t − s on a log axis: how far back the prediction of the next character reaches.

export function connectivityPanel(
  panel: HTMLElement,
  client: TrainingClient,
  fail: (error: unknown) => void,
): { show(shown: ShownText): void } {
  panel.innerHTML = `
    <h2>Connectivity</h2>
    <p class="note-line">Pick a character t (click it, or focus the text and use ← →). Each character s
      up to t is shaded by ‖∂L<sub>t</sub>/∂x<sub>s</sub>‖, log scale: L<sub>t</sub> is the cross-entropy
      of predicting the character <em>after</em> t, and x<sub>s</sub> the model's input vector at s (its
      embedding row, or one-hot vector).</p>
    <div class="row">
      <label for="position">character t</label><input id="position" data-testid="position" type="number" min="0" value="0" />
      <span data-testid="connectivity-info" role="status"></span>
    </div>
    <div class="token-text connectivity" data-testid="connectivity" tabindex="0"
      aria-label="the text read, shaded by the gradient of the next character's loss: click a character, or use the arrow keys"></div>
    <figure><figcaption>‖∂L<sub>t</sub>/∂x<sub>s</sub>‖ against the distance t − s</figcaption><div data-panel="reach"></div></figure>`;
  const $ = <T extends HTMLElement>(selector: string) => panel.querySelector(selector) as T;
  const line = $('[data-testid="connectivity"]');
  const position = $<HTMLInputElement>("#position");
  const info = $('[data-testid="connectivity-info"]');
  const reach = $('[data-panel="reach"]');
  let shown: ShownText | null = null;
  let picked: number | null = null;
  /** The latest request: an answer to an older one is dropped. */
  let asked = 0;

  async function pick(t: number): Promise<void> {
    if (!shown) return;
    const T = shown.tokens.length;
    const clamped = Math.max(0, Math.min(T - 2, Math.round(t)));
    position.value = String(clamped);
    picked = clamped;
    const ticket = ++asked;
    try {
      const result = await client.connectivity(shown.text, clamped);
      if (ticket === asked) draw(clamped, result);
    } catch (error) {
      fail(error);
    }
  }

  function draw(t: number, result: ConnectivityResult): void {
    const { norms, target } = result;
    const logs = Array.from(norms, (norm) => Math.log(norm));
    const low = Math.min(...logs);
    const high = Math.max(...logs);
    for (const span of line.children as HTMLCollectionOf<HTMLElement>) {
      const s = Number(span.dataset.t);
      span.classList.toggle("picked", s === t);
      span.classList.toggle("later", s > t);
      if (s <= t) {
        // Opacity ∝ log‖∂L_t/∂x_s‖, from 0.05 at the text's least to 1 at its greatest.
        const share = high > low ? (logs[s] - low) / (high - low) : 1;
        span.style.setProperty("--weight", (0.05 + 0.95 * share).toFixed(3));
        span.dataset.norm = String(norms[s]);
        span.title = `s = ${s}, t − s = ${t - s}: ‖∂L/∂x_s‖ = ${norms[s].toExponential(2)}`;
      } else {
        span.style.removeProperty("--weight");
        delete span.dataset.norm;
        span.title = "";
      }
    }
    info.textContent = `L_t: predicting ${JSON.stringify(target)} after ${JSON.stringify(shown?.tokens[t])} (t = ${t}); ‖∂L_t/∂x_s‖ from ${Math.exp(low).toExponential(1)} to ${Math.exp(high).toExponential(1)}`;
    const points = Array.from(norms, (norm, s) => ({ distance: t - s, norm }));
    reach.replaceChildren(
      Plot.plot({
        width: Math.max(280, reach.clientWidth),
        height: 200,
        marginLeft: 50,
        x: { label: "distance t − s (characters back)" },
        y: { label: "‖∂L_t/∂x_s‖", type: "log", grid: true, ticks: 5, tickFormat: ".0e" },
        marks: [
          Plot.line(points, { x: "distance", y: "norm" }),
          Plot.dot(points, { x: "distance", y: "norm", r: 1.5 }),
        ],
      }),
    );
  }

  line.addEventListener("click", (event) => {
    const t = (event.target as HTMLElement).closest<HTMLElement>("[data-t]")?.dataset.t;
    if (t !== undefined) void pick(Number(t));
  });
  line.addEventListener("keydown", (event) => {
    const step = { ArrowLeft: -1, ArrowRight: 1, Home: -Infinity, End: Infinity }[event.key];
    if (step === undefined) return;
    event.preventDefault();
    void pick(Number(position.value) + step);
  });
  position.addEventListener("change", () => void pick(Number(position.value)));

  return {
    show(next: ShownText): void {
      shown = next;
      line.replaceChildren(...tokenSpans(next.tokens));
      position.max = String(Math.max(0, next.tokens.length - 2));
      if (next.tokens.length < 2) {
        info.textContent = "the text needs two characters: one to read, the next to predict";
        return;
      }
      void pick(picked ?? next.tokens.length - 2);
    },
  };
}
