import cliProgress from "cli-progress";

export interface Progress {
  update(done: number, values: Record<string, string | number>): void;
  /** A line printed above the bar (or plainly when not on a TTY). */
  log(line: string): void;
  stop(): void;
}

/** A bar with ETA and the running values on a TTY; plain lines (about every tenth of the work)
 *  otherwise, so logs of CI or `| tee` stay readable. */
export function createProgress(
  total: number,
  fields: string[],
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  if (stream.isTTY) {
    // cli-progress placeholders are word characters only ("tok/s" is shown, keyed as "tok_s").
    const key = (field: string) => field.replace(/\W/g, "_");
    const keyed = (values: Record<string, string | number>) =>
      Object.fromEntries(Object.entries(values).map(([k, v]) => [key(k), v]));
    const format = `{bar} {percentage}% | ETA {eta_formatted} | ${fields.map((f) => `${f} {${key(f)}}`).join(" | ")}`;
    const bar = new cliProgress.SingleBar(
      { format, stream, hideCursor: true, etaBuffer: 20 },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, Object.fromEntries(fields.map((f) => [key(f), "-"])));
    return {
      update: (done, values) => bar.update(done, keyed(values)),
      log: (line) => {
        stream.write(`\r\x1b[K${line}\n`);
        bar.render();
      },
      stop: () => bar.stop(),
    };
  }
  const started = Date.now();
  let nextReport = 0;
  return {
    update(done, values) {
      if (done < nextReport && done < total) return;
      nextReport = done + Math.max(1, Math.ceil(total / 10));
      const elapsed = (Date.now() - started) / 1000;
      const eta = done > 0 ? (elapsed * (total - done)) / done : Number.NaN;
      const parts = Object.entries(values).map(([k, v]) => `${k} ${v}`);
      stream.write(
        `[${done}/${total}] ${Math.round((100 * done) / total)}% eta ${Number.isFinite(eta) ? `${eta.toFixed(0)}s` : "-"} ${parts.join(" ")}\n`,
      );
    },
    log: (line) => stream.write(`${line}\n`),
    stop() {},
  };
}
