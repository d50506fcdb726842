import type { ExperimentInfo, Verdict } from "../../lab/types.ts";
import { textHtml } from "../../src/report/math.ts";
import { renderDetails } from "./lab-details.ts";
import type { ClaimOutcome } from "./lab-protocol.ts";

// One claim of the Lab view: its id and title (a button that opens its details), its verdict, a Run
// button, its progress while it runs and its error if it failed. The details are built only while open.

/** A row's verdict text: a verdict once computed, else where its run is. */
export type RowState = Verdict | "not run" | "queued" | "running" | "error";

export class ClaimRow {
  readonly element: HTMLLIElement;
  state: RowState = "not run";
  result: ClaimOutcome | null = null;
  private readonly $: <T extends HTMLElement>(selector: string) => T;
  private shown: ReturnType<typeof renderDetails> | null = null;

  constructor(
    readonly info: ExperimentInfo,
    private readonly tones: Record<Verdict, string>,
    onRun: (id: string) => void,
  ) {
    const detailsId = `lab-details-${info.id.replace(/[^A-Za-z0-9_-]/g, "-")}`;
    this.element = document.createElement("li");
    this.element.className = "claim";
    this.element.dataset.testid = `claim-${info.id}`;
    this.element.innerHTML = `
      <div class="claim-line">
        <button type="button" class="claim-toggle" aria-expanded="false" aria-controls="${detailsId}">
          <span class="claim-id"></span> <span class="claim-title"></span>
        </button>
        <span class="claim-seconds"></span>
        <span class="claim-verdict" data-testid="claim-verdict"></span>
        <button type="button" class="claim-run" data-testid="claim-run">Run</button>
      </div>
      <div class="claim-status" hidden>
        <progress></progress>
        <span class="claim-progress" data-testid="claim-progress" role="status"></span>
      </div>
      <p class="claim-error" data-testid="claim-error" role="alert" hidden></p>
      <div class="claim-details" id="${detailsId}" hidden></div>`;
    this.$ = <T extends HTMLElement>(selector: string) => this.element.querySelector(selector) as T;
    this.$(".claim-id").textContent = info.id;
    this.$(".claim-title").innerHTML = textHtml(info.title); // escaped text, its $…$ typeset
    this.$(".claim-run").setAttribute("aria-label", `Run ${info.id} again`);
    this.$(".claim-status progress").setAttribute("aria-label", `${info.id} is running`);
    this.$(".claim-toggle").addEventListener("click", () => this.toggle());
    this.$(".claim-run").addEventListener("click", () => onRun(info.id));
    this.show("not run");
  }

  queued(): void {
    this.show("queued");
  }

  started(): void {
    this.$(".claim-progress").textContent = "";
    this.$(".claim-status").hidden = false;
    this.show("running");
  }

  progress(message: string): void {
    this.$(".claim-progress").textContent = message;
  }

  done(result: ClaimOutcome, seconds: number): void {
    this.result = result;
    this.$(".claim-seconds").textContent = `${seconds.toFixed(1)} s`;
    this.show(result.verdict);
    this.refresh();
  }

  failed(message: string): void {
    this.result = null;
    this.$(".claim-error").textContent = message;
    this.show("error");
    this.refresh();
  }

  /** Draws the open details' figures again at their new width. */
  redraw(): void {
    this.shown?.redraw();
  }

  private show(state: RowState): void {
    this.state = state;
    const verdict = this.$(".claim-verdict");
    verdict.textContent = state;
    verdict.className = `claim-verdict tone-${this.tone}`;
    this.element.dataset.state = state.replace(" ", "-");
    this.$<HTMLButtonElement>(".claim-run").disabled = state === "running";
    if (state !== "running") this.$(".claim-status").hidden = true;
    if (state !== "error") this.$(".claim-error").hidden = true;
    else this.$(".claim-error").hidden = false;
  }

  /** The colour of the state: a verdict's tone as in the lab report, else the state itself. */
  get tone(): string {
    const state = this.state;
    if (state === "error") return "bad";
    if (state === "running" || state === "queued" || state === "not run") return state.replace(" ", "-");
    return this.tones[state];
  }

  private toggle(): void {
    const toggle = this.$(".claim-toggle");
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    this.$(".claim-details").hidden = !open;
    this.refresh();
  }

  /** Builds the details while they are open (again after a new result), and drops them when closed. */
  private refresh(): void {
    this.shown?.cancel();
    this.shown = null;
    const details = this.$(".claim-details");
    if (details.hidden) details.replaceChildren();
    else this.shown = renderDetails(details, this.info, this.result);
  }
}
