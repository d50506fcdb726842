import { writeSync } from "node:fs";

// Blocking writes to stdout for output that streams while the process computes (rnnlab sample).
// process.stdout.write on a pipe reports a reader that has gone (EPIPE, `rnnlab sample | head`)
// only once the event loop runs, which a generation loop never lets it do: the whole --length would
// be generated for nobody, then the process would crash on the unhandled error.

/** Thrown by writeStdout when stdout's reader has closed it: stop writing and exit quietly. */
export class ReaderGone extends Error {}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Writes all of `text` to stdout before returning. A full pipe (EAGAIN: Node opens stdout
 *  non-blocking) is retried every millisecond; a closed one (EPIPE) throws ReaderGone. */
export function writeStdout(text: string): void {
  const bytes = Buffer.from(text, "utf8");
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(1, bytes, offset);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EPIPE") throw new ReaderGone("stdout was closed");
      if (code !== "EAGAIN") throw error;
      Atomics.wait(sleeper, 0, 0, 1);
    }
  }
}
