// SVG -> PNG with resvg (a maintained Rust rasterizer shipped as prebuilt npm packages; no browser).
import { Resvg } from '@resvg/resvg-js';
import { markPng } from './mark.js';

/** The SVG as a PNG; `mark` names the command that wrote it, in a tEXt chunk (mark.ts). */
export function svgToPng(svg: string, o: { mark?: string } = {}): Uint8Array {
  const r = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, background: 'white' });
  const png = r.render().asPng();
  const bytes = new Uint8Array(png.buffer, png.byteOffset, png.length);
  return o.mark === undefined ? bytes : markPng(bytes, o.mark);
}
