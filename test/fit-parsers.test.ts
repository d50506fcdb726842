import { describe, expect, it } from "vitest";
import { parseClassify } from "../src/fit/classify-data.js";
import { parseCsv } from "../src/fit/csv.js";
import { parseForecast } from "../src/fit/forecast-data.js";
import { parseTag } from "../src/fit/tag.js";
import { fitTasks } from "../src/fit/tasks.js";
import { ConfigError } from "../src/errors.js";
import { Rng } from "../src/random.js";

// Each parser reads good input and turns bad input into one ConfigError line naming the file, the
// line and the fix (the issue's list of bad input).

function error(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    const message = (e as Error).message;
    expect(message).not.toContain("\n");
    return message;
  }
  throw new Error("expected a ConfigError");
}

describe("classify's JSONL", () => {
  it("reads text and numeric sequences, labels as strings, lines kept", () => {
    const text = parseClassify('{"text": "hi", "label": "a"}\n\n{"text": "yo", "label": 2}\n', "t.jsonl");
    expect(text).toMatchObject({ kind: "text", tokens: "char" });
    expect(text.examples).toEqual([
      { line: 1, text: "hi", label: "a" },
      { line: 3, text: "yo", label: "2" },
    ]);
    const numeric = parseClassify('{"x": [[1, 2], [3, 4]], "label": "a"}\n{"x": [[5, 6]]}', "x.jsonl");
    expect(numeric).toMatchObject({ kind: "numeric", features: 2 });
    expect(numeric.examples[1]).toEqual({ line: 2, x: [[5, 6]], label: null });
  });

  it("ragged numeric rows in x", () => {
    expect(error(() => parseClassify('{"x": [[1, 2], [3]], "label": "a"}', "x.jsonl"))).toBe(
      "x.jsonl line 1: x step 2 has 1 values but step 1 has 2; give every step the same number of features",
    );
    expect(
      error(() =>
        parseClassify('{"x": [[1, 2]], "label": "a"}\n{"x": [[1, 2, 3]], "label": "b"}', "x.jsonl"),
      ),
    ).toBe(
      "x.jsonl line 2: x step 1 has 3 values but line 1's steps have 2; give every step the same number of features",
    );
    expect(error(() => parseClassify('{"x": [[1, "2"]], "label": "a"}', "x.jsonl"))).toMatch(
      /line 1: x step 1 value 2 is "2", not a finite number/,
    );
  });

  it("bad JSON, a mixed file, an unknown key", () => {
    expect(error(() => parseClassify('{"text": "a", "label": "x"}\n{"text": ', "t.jsonl"))).toMatch(
      /^t\.jsonl line 2: not valid JSON/,
    );
    expect(
      error(() => parseClassify('{"text": "a", "label": "x"}\n{"x": [[1]], "label": "y"}', "t.jsonl")),
    ).toMatch(/^t\.jsonl line 2: no text; line 1 has "text": use one kind per file/);
    expect(error(() => parseClassify('{"text": "a", "lable": "x"}', "t.jsonl"))).toMatch(
      /line 1: unknown key "lable"/,
    );
  });

  it("a validation label that training never saw", () => {
    const task = fitTasks.classify;
    const train = task.parse('{"text": "ab", "label": "x"}\n{"text": "ba", "label": "y"}', "train.jsonl");
    const learner = task.createLearner(train, { cell: "gru", hiddenSize: 2 });
    const validation = task.parse('{"text": "ab", "label": "x"}\n{"text": "aa", "label": "z"}', "val.jsonl");
    expect(error(() => task.examples(learner, validation))).toBe(
      'val.jsonl line 2: label "z" never appears in the training data (its labels: x, y); drop the line or add training examples of it',
    );
  });
});

describe("tag's JSONL", () => {
  it("reads tokens and tags", () => {
    expect(parseTag('{"tokens": ["a", "b"], "tags": ["X", "Y"]}', "t.jsonl").examples).toEqual([
      { line: 1, tokens: ["a", "b"], tags: ["X", "Y"] },
    ]);
  });

  it("tags and tokens of different lengths", () => {
    expect(
      error(() =>
        parseTag(
          '{"tokens": ["a"], "tags": ["X"]}\n{"tokens": ["a", "b", "c"], "tags": ["X", "Y"]}',
          "t.jsonl",
        ),
      ),
    ).toBe("t.jsonl line 2: 3 tokens but 2 tags; give one tag per token");
  });

  it("an unseen tag in validation names its line; an unseen token is <unk>", () => {
    const task = fitTasks.tag;
    const train = task.parse('{"tokens": ["a", "b"], "tags": ["X", "Y"]}', "train.jsonl");
    const learner = task.createLearner(train, { cell: "gru", hiddenSize: 2 });
    const ok = task.parse('{"tokens": ["a", "q"], "tags": ["X", "X"]}', "val.jsonl");
    expect(task.examples(learner, ok)[0].tokens).toEqual([1, 0]);
    const bad = task.parse('{"tokens": ["a"], "tags": ["X"]}\n{"tokens": ["a"], "tags": ["Z"]}', "val.jsonl");
    expect(error(() => task.examples(learner, bad))).toMatch(
      /^val\.jsonl line 2: tag "Z" never appears in the training data/,
    );
  });
});

describe("CSV", () => {
  it("reads quoted fields with commas, quotes and newlines, and CRLF", () => {
    const table = parseCsv('a,b\r\n1,"x, ""y""\nz"\r\n\r\n2,w\n', "f.csv");
    expect(table.header).toEqual(["a", "b"]);
    expect(table.rows).toEqual([
      { line: 2, fields: ["1", 'x, "y"\nz'] },
      { line: 5, fields: ["2", "w"] },
    ]);
  });

  it("rejects a row with the wrong field count, a stray quote, an unclosed quote, a repeated column", () => {
    expect(error(() => parseCsv("a,b\n1,2\n3\n", "f.csv"))).toBe(
      "f.csv line 3: 1 fields but the header has 2; give every row one field per column",
    );
    expect(error(() => parseCsv('a\n1"2\n', "f.csv"))).toMatch(
      /^f\.csv line 2: a quote inside an unquoted field/,
    );
    expect(error(() => parseCsv('a\n"12\n', "f.csv"))).toMatch(
      /^f\.csv line 2: a quoted field is never closed/,
    );
    expect(error(() => parseCsv("a,a\n1,2\n", "f.csv"))).toMatch(
      /^f\.csv line 1: the header names column "a" twice/,
    );
  });
});

describe("forecast's CSV", () => {
  const series = (n: number) =>
    ["t,y,note", ...Array.from({ length: n }, (_, i) => `${i},${i * 2},n/a`)].join("\n");

  it("reads the target first, then the features; an unused column may hold anything", () => {
    const data = parseForecast(series(10), "s.csv", { target: "y", features: ["t"], window: 3, horizon: 2 });
    expect(data.columns).toEqual(["y", "t"]);
    expect(data.rows[4]).toEqual([8, 4]);
    expect(data.lines[4]).toBe(6);
  });

  it("a missing or non-numeric value in a used column", () => {
    const text = "t,y\n0,1\n1,\n2,3\n";
    expect(error(() => parseForecast(text, "s.csv", { target: "y", window: 1 }))).toBe(
      's.csv line 3: column "y" is empty; fill in the value or drop the row',
    );
    expect(error(() => parseForecast("t,y\n0,1\n1,abc\n", "s.csv", { target: "y", window: 1 }))).toBe(
      's.csv line 3: column "y" holds "abc", not a number; write a number like 12.5',
    );
    expect(error(() => parseForecast(series(10), "s.csv", { target: "y", features: ["note"] }))).toMatch(
      /line 2: column "note" holds "n\/a"/,
    );
  });

  it("a horizon or window longer than the series", () => {
    expect(error(() => parseForecast(series(10), "s.csv", { target: "y", window: 8, horizon: 3 }))).toBe(
      "s.csv: the series has 10 rows, but window 8 + horizon 3 needs at least 11; lower --window or --horizon, or give a longer series",
    );
    const data = parseForecast(series(12), "s.csv", { target: "y", window: 8, horizon: 3 });
    expect(error(() => fitTasks.forecast.split(data, 0.5, new Rng(0)))).toMatch(
      /^s\.csv: the training part has 6 rows, but window 8/,
    );
  });

  it("an unknown column, a missing target, a season longer than the window", () => {
    expect(error(() => parseForecast(series(10), "s.csv", { target: "z" }))).toBe(
      's.csv: no column "z"; the columns are t, y, note',
    );
    expect(error(() => parseForecast(series(10), "s.csv", {}))).toMatch(
      /name the one to forecast with --target/,
    );
    expect(error(() => parseForecast(series(30), "s.csv", { target: "y", window: 4, season: 12 }))).toMatch(
      /season 12 is longer than window 4/,
    );
  });

  it("the split keeps the last part, with a window of history before it", () => {
    const data = parseForecast(series(20), "s.csv", { target: "y", window: 3, horizon: 2 });
    const { train, validation } = fitTasks.forecast.split(data, 0.25, new Rng(0));
    expect(train.rows.length).toBe(15);
    expect(validation.rows.length).toBe(8);
    expect(validation.start).toBe(3);
    expect(validation.rows[3][0]).toBe(30);
  });
});

describe("task options", () => {
  it("an option given to the wrong task", () => {
    expect(error(() => fitTasks.classify.parse("", "f", { horizon: 3 } as object))).toBe(
      'the classify task takes no option "horizon": its options are tokens',
    );
    expect(
      error(() => fitTasks.tag.parse("", "f", { tokens: "word" } as unknown as Record<string, never>)),
    ).toBe('the tag task takes no option "tokens": it takes none');
  });
});
