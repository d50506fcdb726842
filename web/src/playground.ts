import { TrainingClient, type StartedInfo } from "../../src/worker/client-entry.ts";
import { Charts } from "./charts.ts";
import { openInModelView } from "./model-store.ts";
import { type Field, renderForm } from "./form.ts";
import {
  activations,
  cells,
  clips,
  deviceLabels,
  devices,
  feeds,
  impossibility,
  inits,
  liveFields,
  liveOptions,
  optimizers,
  scheduleK,
  schedules,
  type Setup,
  sources,
  tasks,
  trainingConfig,
} from "./setup.ts";

// The playground: a setup (the form, kept in the URL), a training worker driven by play, pause,
// step and reset, and the live figures. Options a run can take between steps (learning rate,
// clipping, feeding) go to it at once; any other change resets the run.

const CUSTOM_TEXT = "rnnlab.customText";
const isText = (setup: Setup) => setup.task === "text";
/** Whether this browser has WebGPU: only then is the device offered (a GPU run needs a text task). */
const hasWebGpu = () => "gpu" in navigator;

const groups: [string, Field[]][] = [
  [
    "Task",
    [
      { key: "task", label: "task", kind: "select", options: tasks },
      { key: "source", label: "text", kind: "select", options: sources, when: isText },
    ],
  ],
  [
    "Model",
    [
      { key: "cell", label: "cell", kind: "select", options: cells },
      {
        key: "activation",
        label: "activation",
        kind: "select",
        options: activations,
        when: (s) => s.cell === "rnn",
      },
      {
        key: "straightThrough",
        label: "straight-through step gradient",
        kind: "checkbox",
        when: (s) => s.cell === "rnn" && s.activation === "step",
      },
      { key: "hidden", label: "hidden units", kind: "number", min: 1, max: 512 },
      { key: "layers", label: "layers", kind: "number", min: 1, max: 4 },
      { key: "embedding", label: "embedding width", kind: "number", min: 1, max: 256, when: isText },
      {
        key: "skip",
        label: "skip delay k (0: none)",
        kind: "number",
        min: 0,
        max: 64,
        when: (s) => s.cell === "rnn",
      },
      {
        key: "projSize",
        label: "projection size (0: none)",
        kind: "number",
        min: 0,
        max: 511,
        when: (s) => s.cell === "lstm",
      },
      { key: "init", label: "initial weights", kind: "select", options: inits },
      {
        key: "initGain",
        label: "init gain",
        kind: "number",
        step: 0.1,
        min: 0,
        when: (s) => s.init !== "default",
      },
      {
        key: "dropout",
        label: "dropout (between layers, readout)",
        kind: "number",
        step: 0.05,
        min: 0,
        max: 0.95,
      },
    ],
  ],
  [
    "Training",
    [
      {
        key: "device",
        label: "device",
        kind: "select",
        options: devices,
        labels: deviceLabels,
        when: (s) => hasWebGpu() && isText(s),
      },
      { key: "optimizer", label: "optimizer", kind: "select", options: optimizers },
      {
        key: "amsgrad",
        label: "AMSGrad",
        kind: "checkbox",
        when: (s) => s.optimizer === "adam" || s.optimizer === "adamw",
      },
      { key: "lr", label: "learning rate", kind: "number", step: 0.0001, min: 0 },
      { key: "clip", label: "clipping", kind: "select", options: clips },
      {
        key: "clipAt",
        label: "clip threshold",
        kind: "number",
        step: 0.1,
        min: 0,
        when: (s) => s.clip !== "none",
      },
      { key: "feed", label: "feeding", kind: "select", options: feeds, when: isText },
      {
        key: "prefix",
        label: "ground-truth prefix",
        kind: "number",
        min: 0,
        when: (s) => s.feed === "free-running",
      },
      {
        key: "schedule",
        label: "eps schedule",
        kind: "select",
        options: schedules,
        when: (s) => s.feed === "scheduled-sampling",
      },
      {
        key: "k",
        label: "schedule parameter",
        kind: "number",
        step: 0.001,
        when: (s) => s.feed === "scheduled-sampling",
      },
      { key: "seqLen", label: "sequence length T", kind: "number", min: 2, max: 256 },
      { key: "batch", label: "batch B", kind: "number", min: 1, max: 256 },
      { key: "seed", label: "seed", kind: "number", min: 0 },
    ],
  ],
];

/** What runs the steps: the GPU adapter, or the CPU's threads and kernels (and why not the GPU
 *  when it was asked for). */
function deviceLine(info: StartedInfo): string {
  if (info.device === "webgpu") return `GPU: ${info.deviceNote}`;
  const used = info.threadNote ? `1 thread (${info.threadNote})` : `${info.threads} thread(s)`;
  const cpu = `${used} · kernels ${info.kernels.gemm}`;
  return info.deviceNote ? `${cpu} · CPU: ${info.deviceNote}` : cpu;
}

export function playground(root: HTMLElement, setup: Setup, save: (setup: Setup) => void): void {
  root.innerHTML = `
    <div class="playground">
      <aside class="settings" aria-label="Setup">
        <div class="controls" role="group" aria-label="Training controls">
          <button data-testid="play" type="button">Play</button>
          <button data-testid="pause" type="button" disabled>Pause</button>
          <button data-testid="step" type="button">Step</button>
          <button data-testid="reset" type="button">Reset</button>
        </div>
        <button data-testid="open-model" type="button">Open in model view</button>
        <dl class="counters">
          <dt>step</dt><dd data-testid="step-count">0</dd>
          <dt>loss</dt><dd data-testid="loss">–</dd>
          <dt>tokens/s</dt><dd data-testid="speed">–</dd>
        </dl>
        <p class="message" role="alert" data-testid="message"></p>
        <div class="form"></div>
        <label class="custom" for="custom-text">your text (paste, or drop a file)
          <textarea id="custom-text" rows="4" placeholder="at least a few hundred characters"></textarea>
        </label>
      </aside>
      <section class="figures" aria-label="Figures">
        <p class="run-info" data-testid="run-info" role="status"></p>
        <figure><figcaption>Loss</figcaption><div data-panel="loss"></div></figure>
        <figure><figcaption>Gradient norm before and after clipping</figcaption><div data-panel="grad"></div></figure>
        <figure><figcaption>‖dL/dh_t‖ over t (rows, t = 0 at the bottom) through training (columns)</figcaption><div data-panel="flow"></div></figure>
        <figure class="bound" hidden><figcaption>‖dL/dh_t‖ at the latest step against the bound (γ‖W‖₂)^k, k = T − t steps back</figcaption><div data-panel="bound" data-testid="bound"></div></figure>
        <figure class="fed"><figcaption>Fraction of ground-truth tokens fed</figcaption><div data-panel="fed"></div></figure>
        <figure class="sample">
          <figcaption>
            Sample
            <label for="temperature">temperature</label>
            <input id="temperature" data-testid="temperature" type="range" min="0.1" max="2" step="0.1" />
            <output for="temperature"></output>
            <label for="top-p">top-p</label>
            <input id="top-p" data-testid="topP" type="range" min="0.05" max="1" step="0.05" />
            <output for="top-p"></output>
          </figcaption>
          <pre data-testid="sample" aria-live="polite"></pre>
        </figure>
      </section>
    </div>`;
  const $ = <T extends HTMLElement>(selector: string) => root.querySelector(selector) as T;
  const panel = (name: string) => $<HTMLElement>(`[data-panel="${name}"]`);
  const charts = new Charts({
    loss: panel("loss"),
    grad: panel("grad"),
    flow: panel("flow"),
    bound: panel("bound"),
    fed: panel("fed"),
  });
  const buttons = {
    play: $<HTMLButtonElement>('[data-testid="play"]'),
    pause: $<HTMLButtonElement>('[data-testid="pause"]'),
    step: $<HTMLButtonElement>('[data-testid="step"]'),
    reset: $<HTMLButtonElement>('[data-testid="reset"]'),
  };
  const stepCount = $('[data-testid="step-count"]');
  const lossText = $('[data-testid="loss"]');
  const speedText = $('[data-testid="speed"]');
  const message = $('[data-testid="message"]');
  const runInfo = $('[data-testid="run-info"]');
  const sampleText = $('[data-testid="sample"]');
  const temperature = $<HTMLInputElement>("#temperature");
  const topP = $<HTMLInputElement>("#top-p");
  const customText = $<HTMLTextAreaElement>("#custom-text");
  customText.value = localStorage.getItem(CUSTOM_TEXT) ?? "";

  const client = new TrainingClient(
    new Worker(new URL("./train-worker.ts", import.meta.url), { type: "module" }),
  );
  /** Whether the worker holds a run of the current setup. */
  let started: Promise<StartedInfo> | null = null;
  let playing = false;
  /** False from a reset until the next run has started: events of the old run are dropped. */
  let current = false;
  let shakespeare: Promise<string> | null = null;

  const say = (text: string) => (message.textContent = text);
  const fail = (error: unknown) => {
    say(error instanceof Error ? error.message : String(error));
    setPlaying(false);
  };
  function setPlaying(on: boolean): void {
    playing = on;
    buttons.play.disabled = on;
    buttons.pause.disabled = !on;
    buttons.step.disabled = on;
  }

  async function text(): Promise<string> {
    if (setup.source === "custom") {
      const custom = customText.value;
      if (custom.trim().length < 4 * setup.seqLen) {
        throw new Error(
          `the pasted text is too short: give at least ${4 * setup.seqLen} characters, or choose shakespeare`,
        );
      }
      return custom;
    }
    shakespeare ??= fetch("./data/tinyshakespeare.txt").then((response) => {
      if (!response.ok) throw new Error(`could not load the bundled text (HTTP ${response.status})`);
      return response.text();
    });
    return shakespeare;
  }

  /** The run of the current setup, started (paused) if there is none. */
  function run(): Promise<StartedInfo> {
    started ??= (async () => {
      const impossible = impossibility(setup);
      if (impossible !== null) throw new Error(impossible);
      say("");
      const source = setup.task === "text" ? await text() : null;
      // Threads as "auto" picks them (8 rows each at least), less one core left to the page.
      const threads = Math.max(1, Math.min(navigator.hardwareConcurrency - 1, Math.floor(setup.batch / 8)));
      const device = setup.task === "text" ? setup.device : "cpu";
      const info = await client.start(trainingConfig(setup, source), { paused: true, threads, device });
      if (setup.task === "text") charts.baseline(info.unigramLoss, "unigram", "nats/token");
      else charts.baseline(info.unigramLoss, "constant prediction");
      charts.clipping(info.config.clip);
      current = true;
      const data = info.task === "text" ? `vocabulary ${info.vocabSize}` : `task ${info.task}`;
      runInfo.textContent = `${info.parameters.toLocaleString()} parameters · ${data} · ${deviceLine(info)}`;
      // The run's full options as the worker holds them (defaults filled in), for whoever inspects.
      runInfo.dataset.config = JSON.stringify(info.config);
      return info;
    })();
    started.catch(() => (started = null));
    return started;
  }

  function reset(): void {
    const wasPlaying = playing;
    setPlaying(false);
    // The next start replaces the run in the worker; until then the old one stays paused.
    if (started) void client.pause().catch(() => {});
    started = null;
    current = false;
    charts.reset();
    stepCount.textContent = "0";
    lossText.textContent = "–";
    speedText.textContent = "–";
    sampleText.textContent = "";
    runInfo.textContent = "";
    delete runInfo.dataset.config;
    if (wasPlaying) play();
  }

  function play(): void {
    setPlaying(true);
    run()
      .then(() => client.resume())
      .catch(fail);
  }

  buttons.play.addEventListener("click", play);
  // Play comes back once the worker has paused: every step it took before is shown by then.
  buttons.pause.addEventListener("click", () => {
    buttons.pause.disabled = true;
    client
      .pause()
      .then(() => setPlaying(false))
      .catch(fail);
  });
  buttons.step.addEventListener("click", () => {
    buttons.step.disabled = true;
    run()
      .then(() => client.step())
      .catch(fail)
      .finally(() => (buttons.step.disabled = playing));
  });
  buttons.reset.addEventListener("click", reset);
  $('[data-testid="open-model"]').addEventListener("click", () => {
    if (!isText(setup))
      return say(`only a text model opens in the model view: this run learns the ${setup.task} task`);
    if (!started) return say("train the model first: press Play or Step");
    const label = `${setup.cell}, ${setup.hidden} units, ${stepCount.textContent} steps`;
    openInModelView(client.checkpoint(), label).catch(fail);
  });

  client.on("progress", (info) => {
    if (!current) return;
    stepCount.textContent = String(info.step);
    lossText.textContent = info.loss.toFixed(4);
    speedText.textContent = Math.round(info.tokensPerSecond).toLocaleString();
    charts.progress(info);
  });
  client.on("eval", (info) => {
    if (!current) return;
    charts.evaluation(info);
    void refreshSample();
  });
  client.on("error", fail);

  async function refreshSample(): Promise<void> {
    if (!started) return;
    const options = { length: 160, temperature: setup.temperature, topP: setup.topP };
    const sample = await client.sample(options).catch(() => null);
    if (sample?.text != null) sampleText.textContent = sample.text;
  }

  /** The parts only text has: the pasted text and the samples. */
  function showTextParts(): void {
    $<HTMLElement>(".custom").hidden = !isText(setup);
    $<HTMLElement>(".sample").hidden = !isText(setup);
    $<HTMLElement>("figure.fed").hidden = !isText(setup);
  }

  const form = renderForm($(".form"), groups, (key, value) => change({ [key]: value }));
  function change(patch: Partial<Setup>): void {
    const previous = setup;
    setup = { ...setup, ...patch };
    if (patch.schedule) setup.k = scheduleK[patch.schedule].value;
    save(setup);
    form.show(setup);
    showSampling();
    showTextParts();
    const keys = Object.keys(patch) as (keyof Setup)[];
    if (!started) return;
    if (keys.every((key) => liveFields.has(key))) {
      if (patch.lr !== undefined && patch.lr !== previous.lr) client.setLearningRate(setup.lr).catch(fail);
      if (keys.some((key) => key !== "lr" && key !== "temperature" && key !== "topP"))
        client.setOptions(liveOptions(setup)).catch(fail);
      if (patch.clip !== undefined || patch.clipAt !== undefined) charts.clipping(liveOptions(setup).clip);
      if (patch.temperature !== undefined || patch.topP !== undefined) void refreshSample();
      return;
    }
    reset();
  }
  function showSampling(): void {
    temperature.value = String(setup.temperature);
    root.querySelector('output[for="temperature"]')!.textContent = setup.temperature.toFixed(1);
    topP.value = String(setup.topP);
    root.querySelector('output[for="top-p"]')!.textContent = setup.topP.toFixed(2);
  }
  temperature.addEventListener("change", () => change({ temperature: Number(temperature.value) }));
  topP.addEventListener("change", () => change({ topP: Number(topP.value) }));
  customText.addEventListener("change", () => {
    localStorage.setItem(CUSTOM_TEXT, customText.value);
    change({ source: "custom" });
  });
  customText.addEventListener("dragover", (event) => event.preventDefault());
  customText.addEventListener("drop", (event) => {
    event.preventDefault();
    const file = event.dataTransfer?.files[0];
    if (!file) return;
    file
      .text()
      .then((content) => {
        customText.value = content;
        localStorage.setItem(CUSTOM_TEXT, content);
        change({ source: "custom" });
      })
      .catch(() => say(`could not read ${file.name} as text`));
  });
  form.show(setup);
  showSampling();
  showTextParts();
}
