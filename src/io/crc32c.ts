// CRC-32C (Castagnoli), the checksum of iSCSI, ext4 and the safetensors files rnnlab writes.
// The polynomial 0x1EDC6F41, bit-reflected (0x82F63B78), with initial value and final XOR
// 0xFFFFFFFF. A CRC of 32 bits detects every error burst of up to 32 bits, so any single flipped
// bit (or byte) of the data always changes it. Pure TypeScript: it runs in the browser core too.

const POLYNOMIAL = 0x82f63b78;

/** TABLE[k·256 + b]: the CRC register after feeding byte b followed by k zero bytes (slicing-by-4). */
const TABLE = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(4 * 256);
  for (let b = 0; b < 256; b++) {
    let crc = b;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ POLYNOMIAL : crc >>> 1;
    table[b] = crc;
  }
  for (let k = 1; k < 4; k++) {
    for (let b = 0; b < 256; b++) {
      const previous = table[(k - 1) * 256 + b];
      table[k * 256 + b] = (previous >>> 8) ^ table[previous & 0xff];
    }
  }
  return table;
}

/** Continues a running CRC-32C over `bytes`: crc32c(b) = crc32cUpdate(0, b), and
 *  crc32cUpdate(crc32cUpdate(0, a), b) = crc32c(a ‖ b). */
export function crc32cUpdate(crc: number, bytes: Uint8Array): number {
  let c = ~crc >>> 0;
  let i = 0;
  const fourByteEnd = bytes.length - (bytes.length % 4);
  // Four bytes at a time: the register XOR the next word, each byte looked up by its distance to the end.
  for (; i < fourByteEnd; i += 4) {
    c ^= bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    c =
      TABLE[768 + (c & 0xff)] ^
      TABLE[512 + ((c >>> 8) & 0xff)] ^
      TABLE[256 + ((c >>> 16) & 0xff)] ^
      TABLE[c >>> 24];
  }
  for (; i < bytes.length; i++) c = (c >>> 8) ^ TABLE[(c ^ bytes[i]) & 0xff];
  return ~c >>> 0;
}

/** The CRC-32C of `bytes`, an unsigned 32-bit integer; crc32c("123456789") = 0xE3069283. */
export function crc32c(bytes: Uint8Array): number {
  return crc32cUpdate(0, bytes);
}

/** Eight lower-case hex digits, as the checksum is stored. */
export function crc32cHex(crc: number): string {
  return crc.toString(16).padStart(8, "0");
}
