// SVG -> PNG with resvg (a maintained Rust rasterizer shipped as prebuilt npm packages; no browser).
import { Resvg } from '@resvg/resvg-js';

export function svgToPng(svg: string): Uint8Array {
  const r = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, background: 'white' });
  const png = r.render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.length);
}
