import { describe, expect, it } from "vitest";
import { asciiChart, MARKS } from "../../cli/runs/ascii-chart.js";

const falling = Array.from({ length: 20 }, (_, i): [number, number] => [i + 1, 20 - i]);

describe("asciiChart", () => {
  it("asciiChart draws a falling line from the top-left to the bottom-right", () => {
    const lines = asciiChart([{ name: "loss", points: falling }], { width: 20, height: 5 }).split("\n");
    expect(lines).toHaveLength(5 + 3);
    const plot = lines.slice(0, 5).map((l) => l.slice(l.search(/[+|]/) + 1));
    expect(plot[0][0]).toBe("*");
    expect(plot[4][19]).toBe("*");
    expect(plot[4][0]).not.toBe("*");
    expect(lines[0]).toMatch(/^ *20 \+\*/);
    expect(lines[4]).toMatch(/^ +1 \+/);
    expect(lines[6]).toMatch(/^\s+1\s+20$/);
    expect(lines[7]).toBe("* loss");
  });

  it("asciiChart gives each series its own mark and a legend", () => {
    const rising = falling.map(([x, y]): [number, number] => [x, 21 - y]);
    const chart = asciiChart(
      [
        { name: "a", points: falling },
        { name: "b", points: rising },
      ],
      { width: 30, height: 6, xLabel: "step" },
    );
    expect(chart).toContain(MARKS[1]);
    expect(chart.split("\n").at(-1)).toBe(`${MARKS[0]} a   ${MARKS[1]} b`);
    expect(chart.split("\n").at(-2)).toContain("step");
  });

  it("asciiChart interpolates a sparse series across the columns between its points", () => {
    const chart = asciiChart(
      [
        {
          name: "val",
          points: [
            [0, 0],
            [100, 0],
            [100, 1],
          ],
        },
      ],
      { width: 10, height: 3 },
    );
    const bottom = chart.split("\n")[2];
    expect(bottom.match(/\*/g)).toHaveLength(10);
  });

  it("asciiChart shows a lone point and skips non-finite values", () => {
    const chart = asciiChart(
      [
        { name: "one", points: [[5, 2]] },
        {
          name: "gaps",
          points: [
            [1, null],
            [2, Number.NaN],
          ],
        },
      ],
      { width: 10, height: 3 },
    );
    const plot = chart
      .split("\n")
      .slice(0, 3)
      .map((l) => l.slice(l.search(/[+|]/) + 1))
      .join("");
    expect(plot.replaceAll(" ", "")).toBe("*");
  });

  it("asciiChart of nothing finite says so", () => {
    expect(asciiChart([{ name: "x", points: [[1, null]] }])).toBe("(no points to draw)");
    expect(asciiChart([])).toBe("(no points to draw)");
  });
});
