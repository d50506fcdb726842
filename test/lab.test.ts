import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLAIM_IDS, experiments } from "../lab/claims.js";
import { VERDICTS } from "../lab/types.js";
import { readReportData } from "../src/report/index.js";
import { rnnlab } from "./helpers/cli.js";

// The whole lab, once, quick: every claim of CLAIMS.md gets a computed verdict, the JSON has the
// documented shape, and report.html has a section and the figures of every claim.

const out = mkdtempSync(join(tmpdir(), "rnnlab-lab-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("the lab's registry", () => {
  it("has exactly one experiment per claim id of CLAIMS.md, in its order", () => {
    expect(experiments.map((e) => e.id)).toEqual([...CLAIM_IDS]);
  });

  it("lists the claim ids CLAIMS.md lists", () => {
    const claims = readFileSync("test/fixtures/CLAIMS.md", "utf8");
    const ids = [...claims.matchAll(/^- (Q\d[ab]?\.[a-z-]+):/gm)].map((m) => m[1]);
    expect(ids).toEqual([...CLAIM_IDS]);
  });
});

describe("rnnlab lab --quick --json", () => {
  let results: { id: string; verdict: string; evidence: string; correction: string | null }[] = [];
  let html = "";

  it("prints one { id, verdict, evidence, correction } per claim, each verdict computed", () => {
    const r = rnnlab(["lab", "--quick", "--json", "--out", out]);
    expect(r.status, r.stderr).toBe(0);
    results = JSON.parse(r.stdout.trim().split("\n").at(-1) as string);
    expect(results.map((x) => x.id)).toEqual([...CLAIM_IDS]);
    for (const x of results) {
      expect(Object.keys(x).sort()).toEqual(["correction", "evidence", "id", "verdict"]);
      expect(VERDICTS).toContain(x.verdict);
      expect(x.evidence.length, x.id).toBeGreaterThan(40);
      if (x.verdict !== "holds") expect(x.correction, x.id).toBeTruthy();
    }
    html = readFileSync(join(out, "report.html"), "utf8");
  }, 240_000);

  it("writes report.html with a section per claim and every figure's data", () => {
    expect(html).not.toBe("");
    for (const id of CLAIM_IDS)
      expect(html, id).toContain(`id="claim-${id.toLowerCase().replace(/[^a-z0-9]+/g, "-")}"`);
    const data = readReportData(html);
    const figures = Object.keys(data.figures);
    for (const question of ["q1", "q2", "q3", "q4", "q5"]) {
      expect(
        figures.some((f) => f.startsWith(question)),
        question,
      ).toBe(true);
    }
    for (const id of figures) expect(html).toContain(`<figure id="${id}"`);
    expect(html).not.toMatch(/<script[^>]+src=/);
  });

  it("gives report.html contents listing every claim with its verdict under its question, folded questions and a linked verdict table", () => {
    const toc = html.slice(html.indexOf('<nav class="toc"'), html.indexOf("</nav>"));
    const groups = toc.split('<li class="toc-group">').slice(1);
    expect(groups.map((g) => g.match(/^<a href="#(q\d)">/)?.[1])).toEqual(["q1", "q2", "q3", "q4", "q5"]);
    for (const { id, verdict } of results) {
      const section = `claim-${id.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
      const group = groups[Number(id[1]) - 1];
      expect(group, id).toMatch(
        new RegExp(`<a href="#${section}">[^<]+ <span class="tag tone-\\w+">${verdict}</span></a>`),
      );
      expect(html, id).toContain(`<td><a class="nowrap" href="#${section}">${id}</a></td>`);
    }
    for (const question of ["q1", "q2", "q3", "q4", "q5"])
      expect(html).toContain(`<section id="${question}" class="fold">\n<details><summary><h2>`);
  });
});
