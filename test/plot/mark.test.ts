// The PNG mark's tEXt chunk carries the CRC-32 that PNG readers check (PNG 1.2, section 5.3): the hand-written crc32
// of mark.ts (zlib.crc32 needs Node 20.15, package.json takes 20) against zlib's, where this Node has it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as zlib from 'node:zlib';
import { lossChart, markedBy, renderSvg, svgToPng } from '../../src/plot/index.js';

const zcrc = (zlib as { crc32?: (b: Uint8Array) => number }).crc32;

/** Every chunk of a PNG: its type, and whether its stored CRC is zlib's of its type and data. */
function chunks(png: Uint8Array, crc: (b: Uint8Array) => number): { type: string; ok: boolean }[] {
  const b = Buffer.from(png);
  const out: { type: string; ok: boolean }[] = [];
  for (let at = 8; at < b.length; ) {
    const n = b.readUInt32BE(at);
    const body = b.subarray(at + 4, at + 8 + n);
    out.push({ type: body.toString('latin1', 0, 4), ok: b.readUInt32BE(at + 8 + n) === crc(body) >>> 0 });
    at += 12 + n;
  }
  return out;
}

test('the tEXt chunk of a marked PNG carries the CRC-32 zlib computes', {
  skip: !zcrc && 'zlib.crc32 needs Node >= 20.15',
}, () => {
  const svg = renderSvg(lossChart({ loss: [1, 0.5, 0.25], val_loss: [1.2, 0.7, 0.4] }));
  // marks of every length up to what markedBy reads, and the bytes latin1 writes above 127
  for (const mark of ['', 'seqtune diagnose', 'x'.repeat(60), 'seqtune \u00e9\u00ff\u0080 plot']) {
    const png = svgToPng(svg, { mark });
    const all = chunks(png, zcrc!);
    assert.deepEqual(all.map((c) => c.type).slice(0, 2), ['IHDR', 'tEXt'], mark);
    assert.ok(
      all.every((c) => c.ok),
      `every chunk's CRC is zlib's (mark ${JSON.stringify(mark)}): ${JSON.stringify(all)}`,
    );
    assert.ok(markedBy(png.subarray(0, 128), mark));
  }
});
