// The page's inline script: the source of every function in plot-client.ts (which reads the figures'
// specs, spec.ts, from the embedded JSON and draws each with Observable Plot, sized to its column and
// redrawn when the window is resized), then a call of drawReport. Inlined, so the page stays one file.

import * as client from "./plot-client.js";

/** The id of the `<script type="application/json">` block holding `{ figures: { [id]: PlotSpec } }`. */
export const REPORT_DATA_ID = "rnnlab-report-data";

const functions = Object.values(client).filter((f) => typeof f === "function");

export const CLIENT_SCRIPT = `(function () {
"use strict";
${functions.map(String).join("\n")}
${client.drawReport.name}(${JSON.stringify(REPORT_DATA_ID)});
})();
`;
