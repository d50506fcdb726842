import * as Plot from "@observablehq/plot";
import { type LoadedInfo, TrainingClient } from "../../src/worker/client-entry.ts";
import { connectivityPanel } from "./model-connectivity.ts";
import { type ShownText, spanPanel } from "./model-span.ts";
import { PLAYGROUND_KEY, type StoredCheckpoint, storedCheckpoint } from "./model-store.ts";
import { rankUnits } from "./units.ts";

// The model view: a checkpoint from `rnnlab train` (or the playground) loaded into a worker, text
// generated from it, every hidden unit's value per character of a prompt (units ranked by how
// closely they follow a feature of the text), span hypotheses and connectivity on that prompt.

const PROMPT = `KING RICHARD II:
No matter where; of comfort no man speak:
Let's talk of graves, of worms, and epitaphs;
Make dust our paper and with rainy eyes
Write sorrow on the bosom of the earth.`;
const CELL = { width: 9, height: 7 };

export function modelView(root: HTMLElement): void {
  root.innerHTML = `
    <div class="model-view">
      <section class="panel" aria-label="Checkpoint">
        <label for="checkpoint-file">checkpoint (the checkpoint.safetensors of <code>rnnlab train</code>)</label>
        <div class="row">
          <input id="checkpoint-file" data-testid="checkpoint-file" type="file" accept=".safetensors,application/octet-stream" />
          <button data-testid="load-playground" type="button" hidden>Load the playground's last model</button>
        </div>
        <p data-testid="model-info" role="status"></p>
        <p class="message" role="alert" data-testid="message"></p>
      </section>
      <section class="panel" aria-label="Generate">
        <div class="row">
          <label for="prime">prime</label><input id="prime" value="ROMEO:" />
          <label for="length">length</label><input id="length" type="number" min="1" max="5000" value="300" />
          <label for="gen-temperature">temperature</label><input id="gen-temperature" type="number" min="0.05" step="0.05" value="0.8" />
          <label for="top-k">top-k (0: all)</label><input id="top-k" type="number" min="0" value="0" />
          <label for="gen-seed">seed</label><input id="gen-seed" type="number" min="0" value="1" />
          <button data-testid="generate" type="button" disabled>Generate</button>
        </div>
        <pre data-testid="generated" aria-live="polite"></pre>
      </section>
      <section class="panel" aria-label="Hidden units">
        <label for="prompt">text to read: each hidden unit's value after each character</label>
        <textarea id="prompt" rows="5"></textarea>
        <div class="row">
          <label for="layer">layer</label><select id="layer"></select>
          <button data-testid="show-units" type="button" disabled>Show units</button>
          <span data-testid="hover" class="note" role="status"></span>
        </div>
        <ol class="ranking" data-testid="ranking"></ol>
        <div class="heatmap"><canvas data-testid="units"></canvas></div>
      </section>
      <section class="panel" aria-label="Span hypothesis" data-panel="span" hidden></section>
      <section class="panel" aria-label="Connectivity" data-panel="connectivity" hidden></section>
    </div>`;
  const $ = <T extends HTMLElement>(selector: string) => root.querySelector(selector) as T;
  const client = new TrainingClient(
    new Worker(new URL("./train-worker.ts", import.meta.url), { type: "module" }),
  );
  const message = $('[data-testid="message"]');
  const generate = $<HTMLButtonElement>('[data-testid="generate"]');
  const showUnits = $<HTMLButtonElement>('[data-testid="show-units"]');
  const prompt = $<HTMLTextAreaElement>("#prompt");
  const layer = $<HTMLSelectElement>("#layer");
  prompt.value = PROMPT;
  const fail = (error: unknown) =>
    (message.textContent = error instanceof Error ? error.message : String(error));
  const number = (id: string) => Number($<HTMLInputElement>(id).value);

  const span = spanPanel($('[data-panel="span"]'), client, fail);
  const connectivity = connectivityPanel($('[data-panel="connectivity"]'), client, fail);
  const corpus = fetch("./data/tinyshakespeare.txt")
    .then((response) => (response.ok ? response.text() : null))
    .catch(() => null);

  async function load(name: string, bytes: Uint8Array): Promise<void> {
    message.textContent = "";
    generate.disabled = showUnits.disabled = true;
    try {
      const info = await client.load(bytes);
      describe(name, info);
      const text = await corpus;
      // Without the bundled text, hypotheses are searched in the prompt itself.
      if (text !== null) await client.setCorpus(text).catch(() => {});
      generate.disabled = showUnits.disabled = false;
    } catch (error) {
      fail(`${name}: ${(error as Error).message}`);
    }
  }

  function describe(name: string, info: LoadedInfo): void {
    $('[data-testid="model-info"]').textContent =
      `${name}: ${info.cell}, ${info.layers} × ${info.hiddenSize} units${info.stateSize === info.hiddenSize ? "" : ` (h projected to ${info.stateSize})`}, ${info.parameters.toLocaleString()} parameters, ${info.vocabSize} ${info.tokenizer} tokens, trained ${info.step} steps`;
    layer.replaceChildren(...Array.from({ length: info.layers }, (_, k) => new Option(String(k), String(k))));
    layer.value = String(info.layers - 1);
  }

  $<HTMLInputElement>("#checkpoint-file").addEventListener("change", async (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file) await load(file.name, new Uint8Array(await file.arrayBuffer()));
  });

  // The playground's last model: offered when one is stored, loaded at once when the URL asks.
  const fromPlayground = $<HTMLButtonElement>('[data-testid="load-playground"]');
  const loadStored = (stored: StoredCheckpoint) =>
    load(`the playground's model, stored ${new Date(stored.saved).toLocaleTimeString()}`, stored.bytes);
  storedCheckpoint(PLAYGROUND_KEY)
    .then((stored) => {
      const asked = new URLSearchParams(location.search).get("checkpoint") === PLAYGROUND_KEY;
      if (stored === null) {
        if (asked)
          fail(
            "no model from the playground is stored in this browser: train one there, then press Open in model view",
          );
        return;
      }
      fromPlayground.hidden = false;
      fromPlayground.title = `${stored.label}, stored ${new Date(stored.saved).toLocaleString()}`;
      fromPlayground.onclick = () => void loadStored(stored);
      if (asked) return loadStored(stored);
    })
    .catch(fail);

  generate.addEventListener("click", async () => {
    message.textContent = "";
    const options = {
      prime: $<HTMLInputElement>("#prime").value,
      length: number("#length"),
      temperature: number("#gen-temperature"),
      topK: number("#top-k"),
      seed: number("#gen-seed"),
    };
    $('[data-testid="generated"]').textContent = await client.generate(options).catch((error) => {
      fail(error);
      return "";
    });
  });

  showUnits.addEventListener("click", async () => {
    message.textContent = "";
    try {
      const shown: ShownText = { text: prompt.value, layer: Number(layer.value), tokens: [] };
      const { tokens, states } = await client.activations(shown.text, shown.layer);
      shown.tokens = tokens;
      drawUnits(root, tokens, states);
      for (const panel of root.querySelectorAll<HTMLElement>("[data-panel]")) panel.hidden = false;
      span.show(shown);
      connectivity.show(shown);
    } catch (error) {
      fail(error);
    }
  });
}

/** The units × characters heatmap (ranked units first) on a canvas, with the ranking above it. */
function drawUnits(root: HTMLElement, tokens: string[], states: Float32Array): void {
  const T = tokens.length;
  const H = states.length / T;
  const ranked = rankUnits(states, tokens, H);
  const list = root.querySelector('[data-testid="ranking"]')!;
  list.replaceChildren(
    ...ranked.slice(0, 5).map(({ unit, feature, r }) => {
      const item = document.createElement("li");
      item.textContent = `unit ${unit}: r = ${r.toFixed(2)} with ${feature}`;
      return item;
    }),
  );
  const canvas = root.querySelector<HTMLCanvasElement>('[data-testid="units"]')!;
  const top = 14;
  canvas.width = T * CELL.width;
  canvas.height = top + H * CELL.height;
  const context = canvas.getContext("2d")!;
  const color = Plot.scale({ color: { type: "diverging", scheme: "RdBu", domain: [-1, 1], reverse: true } });
  context.font = "11px ui-monospace, monospace";
  context.fillStyle = getComputedStyle(root).color;
  for (const [t, token] of tokens.entries())
    context.fillText(token === "\n" ? "⏎" : token, t * CELL.width, 11);
  ranked.forEach(({ unit }, row) => {
    for (let t = 0; t < T; t++) {
      context.fillStyle = String(color.apply(states[t * H + unit]));
      context.fillRect(t * CELL.width, top + row * CELL.height, CELL.width, CELL.height);
    }
  });
  const hover = root.querySelector('[data-testid="hover"]')!;
  canvas.onmousemove = (event) => {
    const t = Math.floor(event.offsetX / CELL.width);
    const row = Math.floor((event.offsetY - top) / CELL.height);
    if (t < 0 || t >= T || row < 0 || row >= H) return;
    const { unit } = ranked[row];
    hover.textContent = `unit ${unit} after ${JSON.stringify(tokens[t])} (t = ${t}): ${states[t * H + unit].toFixed(3)}`;
  };
}
