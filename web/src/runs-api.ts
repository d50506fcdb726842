import type { RunFilter, RunRow, SweepRow } from "../../node/store/types.ts";
import type { RunDetail } from "./runs-model.ts";

// The run store as `rnnlab ui` serves it (cli/ui-api.ts): read-only JSON under ./api/. An error
// answer carries {"error": "one line"}, which becomes the thrown Error's message.

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { headers: { Accept: "application/json" } });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = body !== null && typeof body === "object" && "error" in body ? String(body.error) : "";
    throw new Error(error || `${path}: HTTP ${response.status}`);
  }
  return body as T;
}

export function fetchRuns(filter: RunFilter = {}): Promise<RunRow[]> {
  const query = new URLSearchParams();
  if (filter.kind) query.set("kind", filter.kind);
  if (filter.status) query.set("status", filter.status);
  if (filter.sweepId) query.set("sweep", filter.sweepId);
  if (filter.limit !== undefined) query.set("limit", String(filter.limit));
  const search = query.toString();
  return getJson(`./api/runs${search ? `?${search}` : ""}`);
}

export function fetchRun(id: number): Promise<RunDetail> {
  return getJson(`./api/runs/${id}`);
}

export function fetchSweeps(): Promise<SweepRow[]> {
  return getJson("./api/sweeps");
}
