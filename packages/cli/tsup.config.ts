import { defineConfig } from 'tsup';

export default defineConfig({
  // main.ts is the `megakernel` executable; index.ts exports runCli for tests and embedding.
  entry: ['src/index.ts', 'src/main.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  sourcemap: true,
  clean: true,
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
});
