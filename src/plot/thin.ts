// Long curves thinned to what the picture can show: a history of 100,000 epochs was a path of 100,000 points (a
// 2.4 MB SVG from `seqtune diagnose --plot`) on a plot some 700 pixels wide.

/**
 * The points of a pixel polyline that draw it, column by column (M4: Jugel et al., VLDB 2014): of each run of
 * consecutive points in one pixel column (x's whole part), its first and last and its lowest and highest, in their
 * order; a run of at most 4 points is kept whole, so a curve with a few points a column (every short one) is drawn
 * as before, and a long one keeps its shape, its extremes and where it starts and ends in each column.
 */
export function thinPolyline(pts: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  let a = 0;
  while (a < pts.length) {
    const col = Math.floor(pts[a]![0]);
    let b = a + 1;
    while (b < pts.length && Math.floor(pts[b]![0]) === col) b++;
    if (b - a <= 4) for (let i = a; i < b; i++) out.push(pts[i]!);
    else {
      let lo = a,
        hi = a;
      for (let i = a + 1; i < b; i++) {
        if (pts[i]![1] < pts[lo]![1]) lo = i;
        if (pts[i]![1] > pts[hi]![1]) hi = i;
      }
      for (const i of [...new Set([a, lo, hi, b - 1])].sort((x, y) => x - y)) out.push(pts[i]!);
    }
    a = b;
  }
  return out;
}
