// The dashboard's front end: plain TypeScript and uPlot, built by `npm run build:web` into dist/web (shipped with
// the package; no CDN, works offline). Plain JavaScript, loaded natively (--configLoader native): nothing is written
// beside it or into node_modules (Vite's cache goes to the temporary folder).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  cacheDir: join(tmpdir(), 'seqtune-vite-cache'),
  build: {
    outDir: process.env.SEQTUNE_WEB_OUT ?? fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
});
