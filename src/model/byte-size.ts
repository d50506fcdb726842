import { ConfigError } from "../errors.js";

// Sizes in bytes as people write them: "123456", "512M", "2G", "1.5GiB", "800MB". K, M, G and T
// are powers of 1024 whichever way they are written (K, KB, KiB), as in Java's -Xmx and Docker's
// --memory, so "2G" and "2GiB" are the same budget.

const UNITS: Record<string, number> = { "": 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };
const SIZE = /^(\d+(?:\.\d+)?|\.\d+)\s*([KMGT]?)(?:I?B)?$/i;

/** Bytes of a size such as "512M", "2G", "1.5GiB", "800MB" or "123456" (a whole number of bytes
 *  after the unit, rounded down; at least 1). `what` names it in the error, e.g. "--max-memory". */
export function parseByteSize(text: string, what = "size"): number {
  const match = SIZE.exec(text.trim());
  const bytes = match ? Math.floor(Number(match[1]) * UNITS[match[2].toUpperCase()]) : Number.NaN;
  if (!(bytes >= 1 && bytes <= Number.MAX_SAFE_INTEGER)) {
    throw new ConfigError(
      `${what} must be a size such as 512M, 2G, 1.5GiB or 123456 (bytes; K, M, G, T are powers of 1024), got '${text}'`,
    );
  }
  return bytes;
}

/** "512 B", "1.5 KiB", "9.6 GiB": powers of 1024, one decimal past a whole number of bytes. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  return `${value.toFixed(1)} ${units[unit]}`;
}
