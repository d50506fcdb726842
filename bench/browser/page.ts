// The bench page in Chromium: starts the implementation's module worker (its configuration in the
// query string, passed on) and relays between it and browser.ts, which calls benchCommand() and
// receives the worker's replies through the benchReply() binding it exposes.

interface WorkerLike {
  postMessage(message: unknown): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  addEventListener(
    type: "error",
    listener: (event: { message?: string; preventDefault(): void }) => void,
  ): void;
}

interface PageGlobal {
  location: { search: string };
  Worker: new (url: string, options: { type: "module" }) => WorkerLike;
  benchReply(message: unknown): void;
  benchCommand?: (command: unknown) => void;
}

const page = globalThis as unknown as PageGlobal;
const impl = new URLSearchParams(page.location.search).get("impl");
const script = impl === "rnnlab" ? "/bench/rnnlab-worker.js" : "/bench/tfjs-worker.js";
const worker = new page.Worker(`${script}${page.location.search}`, { type: "module" });
worker.addEventListener("message", (event) => page.benchReply(event.data));
worker.addEventListener("error", (event) => {
  event.preventDefault();
  page.benchReply({ error: `${script}: ${event.message || "failed to load (see the console)"}` });
});
page.benchCommand = (command) => worker.postMessage(command);
