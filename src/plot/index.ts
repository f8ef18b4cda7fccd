// plot/: charts from plain data: SVG, PNG and the terminal.
export { lossChart, forecastChart, niceTicks, formatTick } from './chart.js';
export type { ChartInfo, Series, Mark, Band } from './chart.js';
export { renderSvg } from './svg.js';
export { renderTerminal } from './terminal.js';
export { svgToPng } from './png.js';
