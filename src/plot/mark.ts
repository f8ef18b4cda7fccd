// Which command wrote a picture: a mark it carries from the first bytes, so a command that writes pictures over an
// earlier one of its own (diagnose --plot) can tell that from any other file at the name (a run's own loss.svg).
// SVG: a comment before the root element; PNG: a tEXt chunk "Software" right after IHDR (PNG 1.2, section 11.3.4).

/** CRC-32 of the PNG chunk's type and data (ISO 3309, as zlib's; PNG 1.2, section 3.4). */
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** The comment an SVG marked by `mark` begins with. */
export const svgMark = (mark: string): string => `<!-- ${mark.replace(/--/g, '- -')} -->\n`;

/** The tEXt chunk (length, type, "Software", NUL, mark, CRC) a PNG marked by `mark` has after its IHDR. */
function pngMarkChunk(mark: string): Uint8Array {
  const body = Buffer.from(`tEXtSoftware\0${mark}`, 'latin1');
  const chunk = Buffer.alloc(body.length + 8);
  chunk.writeUInt32BE(body.length - 4, 0);
  body.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(body), body.length + 4);
  return chunk;
}

/** The end of a PNG's IHDR chunk: signature (8) + length (4) + type (4) + data (13) + CRC (4). */
const IHDR_END = 33;

/** `png` with the mark's tEXt chunk after its IHDR. */
export function markPng(png: Uint8Array, mark: string): Uint8Array {
  return Buffer.concat([png.subarray(0, IHDR_END), pngMarkChunk(mark), png.subarray(IHDR_END)]);
}

/** The bytes of a file's head that markedBy reads (enough for a mark of 60 characters). */
export const MARK_HEAD = 128;

/** Whether a file's first bytes (MARK_HEAD or all, when shorter) are an SVG or a PNG that carries `mark`. */
export function markedBy(head: Uint8Array, mark: string): boolean {
  const b = Buffer.from(head.buffer, head.byteOffset, head.length);
  if (b.toString('utf8', 0, svgMark(mark).length) === svgMark(mark)) return true;
  const chunk = pngMarkChunk(mark);
  return b.subarray(IHDR_END, IHDR_END + chunk.length).equals(chunk);
}
