import { labView } from "./lab-view.ts";
import { modelView } from "./model-view.ts";
import { networkView } from "./network-view.ts";
import { playground } from "./playground.ts";
import { runsView } from "./runs-view.ts";
import { queryOf, type Setup, setupFromQuery } from "./setup.ts";
import "./style.css";

// The web lab's shell: the views' links, the thread note, and the view the URL names (?view=).

const views = {
  playground: "Playground",
  network: "Network",
  lab: "Lab",
  model: "Model",
  runs: "Runs",
} as const;
type View = keyof typeof views;

const params = new URLSearchParams(location.search);
const asked = params.get("view");
const view: View = asked !== null && asked in views ? (asked as View) : "playground";

const nav = document.querySelector("#views")!;
for (const [name, title] of Object.entries(views)) {
  const link = document.createElement("a");
  link.href = name === "playground" ? "./" : `./?view=${name}`;
  link.textContent = title;
  link.dataset.testid = `view-${name}`;
  if (name === view) link.setAttribute("aria-current", "page");
  nav.append(link);
}

document.querySelector("#threads")!.textContent = crossOriginIsolated
  ? ""
  : "Not cross-origin isolated: training runs on one thread.";

const root = document.querySelector<HTMLElement>("#view")!;
if (view === "runs") {
  runsView(root);
} else if (view === "model") {
  modelView(root);
} else if (view === "lab") {
  labView(root);
} else if (view === "network") {
  const save = (query: string) => history.replaceState(null, "", `${location.pathname}${query}`);
  networkView(root, location.search, save);
} else {
  const { setup, problems } = setupFromQuery(location.search);
  const save = (next: Setup) => history.replaceState(null, "", `${location.pathname}${queryOf(next, view)}`);
  playground(root, setup, save);
  if (problems.length > 0) root.querySelector('[data-testid="message"]')!.textContent = problems.join("; ");
}
