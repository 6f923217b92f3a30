/** Image headers built byte by byte for the tests of what a header declares. */
export const ascii = (text: string): number[] => [...text].map((char) => char.charCodeAt(0));
export const u32be = (n: number): number[] => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];

/** A PNG whose IHDR declares width × height (nothing after it: the header is all that is read). */
export function pngHeader(width: number, height: number): Uint8Array {
  return new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...u32be(13), ...ascii('IHDR'), ...u32be(width), ...u32be(height), 8, 2, 0, 0, 0, 0, 0, 0, 0]);
}
