import { describe, expect, it } from "vitest";
import { csvField, csvLine, runsCsv, runsJson } from "../../cli/runs/export.js";
import { records, runRow } from "./fixtures.js";

/** A small RFC 4180 reader, to check that what runsCsv writes reads back as it was. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && (c === "," || c === "\n")) {
      row.push(field);
      field = "";
      if (c === "\n") {
        rows.push(row);
        row = [];
      }
    } else field += c;
  }
  return rows;
}

describe("CSV", () => {
  it("csvField quotes commas, quotes, line breaks and edge spaces only", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("cr\r")).toBe('"cr\r"');
    expect(csvField(" pad")).toBe('" pad"');
    expect(csvLine(["1", "x,y", ""])).toBe('1,"x,y",');
  });

  it("runsCsv has the run columns, the union of config keys and final metrics", () => {
    const a = runRow(1, { config: { lr: 0.01, model: { hidden: 16 } } });
    const b = runRow(2, {
      config: { lr: 0.003, clip: 1 },
      final: { valLoss: 2.25, note: "x" },
      sweepId: "s",
    });
    const rows = parseCsv(runsCsv([a, b]));
    expect(rows[0]).toEqual([
      "id",
      "kind",
      "status",
      "name",
      "sweep",
      "trial",
      "started",
      "ended",
      "config.lr",
      "config.model.hidden",
      "config.clip",
      "final.valLoss",
      "final.steps",
      "final.note",
    ]);
    expect(rows[1].slice(8)).toEqual(["0.01", "16", "", "2.5", "60", ""]);
    expect(rows[2].slice(0, 5)).toEqual(["2", "train", "finished", "run-2", "s"]);
    expect(rows[2].slice(8)).toEqual(["0.003", "", "1", "2.25", "", "x"]);
  });

  it("runsCsv round-trips a name with a comma, quotes and a newline", () => {
    const name = 'a, "b"\nc';
    const rows = parseCsv(runsCsv([runRow(1, { name })]));
    expect(rows).toHaveLength(2);
    expect(rows[1][3]).toBe(name);
  });

  it("runsCsv writes numbers exactly", () => {
    const rows = parseCsv(runsCsv([runRow(1, { final: { valLoss: 1.2345678901 } })]));
    expect(rows[1].at(-1)).toBe("1.2345678901");
  });
});

describe("JSON", () => {
  it("runsJson gives each run with its metric records", () => {
    const parsed = JSON.parse(runsJson([runRow(1), runRow(2)], (id) => records(id * 10)));
    expect(parsed).toHaveLength(2);
    expect(parsed[0].id).toBe(1);
    expect(parsed[0].config).toEqual(runRow(1).config);
    expect(parsed[1].metrics).toHaveLength(22);
    expect(parsed[1].metrics[0]).toEqual({ step: 1, type: "train", values: { loss: 2.95, gradNorm: 1 } });
  });
});
