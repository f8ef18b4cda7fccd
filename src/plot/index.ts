// plot/: charts from plain data: SVG, PNG and the terminal.

export type { Band, ChartInfo, Mark, Series } from './chart.js';
export { forecastChart, formatTick, lossChart, niceTicks } from './chart.js';
export { MARK_HEAD, markedBy } from './mark.js';
export { svgToPng } from './png.js';
export { renderSvg } from './svg.js';
export { renderTerminal } from './terminal.js';
