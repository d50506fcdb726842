// Names and texts from a file go into one-line error messages: their control characters (a
// newline in a tensor name, say) are shown escaped, as \u000a, so a message stays one line.

import { RnnlabError } from "../errors.js";

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

export function printable(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Runs `read`; a library error it throws leaves with its message made printable (the same error,
 *  of the same class), since messages quote names and values from the file. */
export function withPrintableErrors<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof RnnlabError) error.message = printable(error.message);
    throw error;
  }
}
