import cliProgress from "cli-progress";

export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean };

export interface ProgressOptions {
  /** What update's count counts, plural ("steps", "claims"). */
  unit: string;
  /** The count at the end, or null when the budget is not a count (a time limit). */
  total: number | null;
  /** The running values shown after the count, in this order. */
  fields: string[];
  /** What the percentage is a share of, when it is not of `total` (without a total: "the time"). */
  shareOf?: string;
  /** Where the lines go (default stderr); a bar only when it is a TTY. */
  stream?: ProgressStream;
  /** The clock, in milliseconds (tests pass their own). */
  now?: () => number;
}

export interface Progress {
  /** `count` units done, and the share of the whole work they are (default count / total; under a
   *  time limit, the share of the time spent; in the lab, of the claims' estimated cost). */
  update(count: number, values: Record<string, string | number>, share?: number): void;
  /** A line printed above the bar (or plainly when not on a TTY). */
  log(line: string): void;
  stop(): void;
}

/** A bar with ETA and the running values on a TTY; otherwise a plain line at each tenth of the
 *  work, so logs of CI or `| tee` stay readable. */
export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  return stream.isTTY ? ttyProgress(options, stream) : plainProgress(options, stream);
}

/** The share done, in [0, 1]: the caller's, or count / total. */
function shareOf(options: ProgressOptions, count: number, share: number | undefined): number {
  const s = share ?? (options.total ? count / options.total : 0);
  return Math.min(1, Math.max(0, s));
}

function countText(options: ProgressOptions, count: number): string {
  return `${count}${options.total === null ? "" : `/${options.total}`} ${options.unit}`;
}

// The bar's value is the share done in thousandths, so a time limit and a count draw alike;
// cli-progress placeholders are word characters only ("tok/s" is shown, keyed as "tok_s").
function ttyProgress(options: ProgressOptions, stream: ProgressStream): Progress {
  const key = (field: string) => `v_${field.replace(/\W/g, "_")}`;
  const keyed = (values: Record<string, string | number>) =>
    Object.fromEntries(Object.entries(values).map(([k, v]) => [key(k), v]));
  const shown = options.fields.map((f) => `${f} {${key(f)}}`);
  const format = ["{bar} {percentage}%", "ETA {eta_formatted}", "{count}", ...shown].join(" | ");
  const bar = new cliProgress.SingleBar(
    { format, stream, hideCursor: true, etaBuffer: 20 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(1000, 0, {
    count: countText(options, 0),
    ...keyed(Object.fromEntries(options.fields.map((f) => [f, "-"]))),
  });
  return {
    update: (count, values, share) =>
      bar.update(Math.round(1000 * shareOf(options, count, share)), {
        count: countText(options, count),
        ...keyed(values),
      }),
    log: (line) => {
      stream.write(`\r\x1b[K${line}\n`);
      bar.render();
    },
    stop: () => bar.stop(),
  };
}

// ETA from the rate measured since the first update (setup before it, such as reading the corpus
// or starting threads, is not work the rate should average in): (1 − share) / (Δshare / Δt).
function plainProgress(options: ProgressOptions, stream: ProgressStream): Progress {
  const now = options.now ?? Date.now;
  let first: { share: number; at: number } | null = null;
  let printedTenths = 0;
  return {
    update(count, values, share) {
      const s = shareOf(options, count, share);
      const at = now();
      first ??= { share: s, at };
      const tenths = Math.floor(10 * s + 1e-9);
      if (tenths <= printedTenths) return;
      printedTenths = tenths;
      const rate = at > first.at ? (s - first.share) / (at - first.at) : 0;
      const eta = rate > 0 ? `${Math.round((1 - s) / rate / 1000)}s` : "-";
      const of = options.shareOf ?? (options.total === null ? "the time" : null);
      const parts = Object.entries(values).map(([k, v]) => ` ${k} ${v}`);
      stream.write(
        `[${countText(options, count)}] ${Math.round(100 * s)}%${of ? ` of ${of}` : ""} eta ${eta}${parts.join("")}\n`,
      );
    },
    log: (line) => stream.write(`${line}\n`),
    stop() {},
  };
}
