// UTF-8 through the platform's TextEncoder/TextDecoder: both exist in every browser and in Node,
// but lib ES2022 does not declare them, and the core compiles without DOM or Node types.
declare const TextEncoder: new () => { encode(text: string): Uint8Array };
declare const TextDecoder: new (
  label: string,
  options: { fatal: boolean; ignoreBOM?: boolean },
) => { decode(bytes: Uint8Array): string };

export function utf8Encode(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Throws TypeError on bytes that are not valid UTF-8; drops a leading BOM. */
export function utf8Decode(bytes: Uint8Array): string {
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}
