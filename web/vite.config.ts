// The dashboard's front end: plain TypeScript and uPlot, built by `npm run build:web` into dist/web (shipped with
// the package; no CDN, works offline).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  build: {
    outDir: process.env.SEQTUNE_WEB_OUT ?? fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
});
