import { describe, expect, it } from "vitest";
import { crc32c, crc32cHex, crc32cUpdate } from "../src/io/crc32c.js";

const ascii = (text: string) => new TextEncoder().encode(text);

describe("crc32c", () => {
  it("crc32c of the standard check string and of RFC 3720's test patterns", () => {
    expect(crc32cHex(crc32c(ascii("123456789")))).toBe("e3069283");
    expect(crc32c(new Uint8Array(0))).toBe(0);
    // RFC 3720 B.4: 32 bytes of zeros, of ones, ascending and descending.
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  it("crc32cUpdate over the pieces of a text equals crc32c of the whole, at every split", () => {
    const text = ascii("The quick brown fox jumps over the lazy dog, 0123456789.");
    for (let cut = 0; cut <= text.length; cut++) {
      expect(crc32cUpdate(crc32cUpdate(0, text.subarray(0, cut)), text.subarray(cut))).toBe(crc32c(text));
    }
  });

  it("crc32c changes when any one bit of 64 bytes is flipped", () => {
    const bytes = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff);
    const clean = crc32c(bytes);
    for (let bit = 0; bit < 64 * 8; bit++) {
      bytes[bit >> 3] ^= 1 << (bit & 7);
      expect(crc32c(bytes), `bit ${bit}`).not.toBe(clean);
      bytes[bit >> 3] ^= 1 << (bit & 7);
    }
  });
});
