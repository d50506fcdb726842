import { ConfigError } from "../errors.js";
import { lineError } from "./source.js";

// A strict CSV reader (RFC 4180): comma-separated fields, a field in double quotes may hold commas,
// newlines and "" for a quote; the first record is the header; every record has the header's
// number of fields. Blank lines are skipped. Errors name the file and the line.

export interface CsvTable {
  header: string[];
  /** The records after the header, each with the line it starts on (1-based). */
  rows: { line: number; fields: string[] }[];
}

export function parseCsv(text: string, fileName: string): CsvTable {
  const records = readRecords(text, fileName);
  if (records.length === 0) throw new ConfigError(`${fileName}: empty; a CSV needs a header line and rows`);
  const [head, ...rows] = records;
  const header = head.fields.map((name) => name.trim());
  const seen = new Set<string>();
  for (const name of header) {
    if (name === "")
      throw lineError(fileName, head.line, "a column of the header has no name; name every column");
    if (seen.has(name))
      throw lineError(
        fileName,
        head.line,
        `the header names column "${name}" twice; give each column its own name`,
      );
    seen.add(name);
  }
  for (const row of rows) {
    if (row.fields.length !== header.length) {
      throw lineError(
        fileName,
        row.line,
        `${row.fields.length} fields but the header has ${header.length}; give every row one field per column`,
      );
    }
  }
  return { header, rows };
}

/** Records with their first line; a record that is one empty field (a blank line) is dropped. */
function readRecords(text: string, fileName: string): { line: number; fields: string[] }[] {
  const records: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = "";
  let line = 1;
  let start = 1;
  let i = 0;
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0].trim() === "")) records.push({ line: start, fields });
    fields = [];
    field = "";
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '"' && field.trim() === "") {
      const end = quotedEnd(text, i, fileName, line);
      field = text.slice(i + 1, end).replaceAll('""', '"');
      line += countNewlines(text, i, end);
      i = end + 1;
      const next = text[i];
      if (next !== undefined && next !== "," && next !== "\n" && next !== "\r") {
        throw lineError(fileName, line, "text after a closing quote; put the whole field in quotes");
      }
      continue;
    }
    if (c === ",") {
      fields.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      endRecord();
      line++;
      start = line;
    } else if (c === '"') {
      throw lineError(
        fileName,
        line,
        'a quote inside an unquoted field; quote the field and write "" for a quote',
      );
    } else {
      field += c;
    }
    i++;
  }
  if (field !== "" || fields.length > 0) endRecord();
  return records;
}

/** The index of the quote closing the field opened at `open`. */
function quotedEnd(text: string, open: number, fileName: string, line: number): number {
  let i = open + 1;
  for (;;) {
    const close = text.indexOf('"', i);
    if (close < 0) throw lineError(fileName, line, "a quoted field is never closed; add the closing quote");
    if (text[close + 1] !== '"') return close;
    i = close + 2;
  }
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (text[i] === "\n") n++;
  return n;
}
