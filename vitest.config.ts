import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packages = [
  'isa',
  'model',
  'scheduler',
  'reference-cpu',
  'cuda-hopper',
  'runtime',
  'cli',
  'default-model',
];
const root = fileURLToPath(new URL('.', import.meta.url));

// Tests run on sources: every workspace package resolves to its src/index.ts.
const alias = Object.fromEntries(
  packages.map((p) => [`@megakernel/${p}`, `${root}packages/${p}/src/index.ts`]),
);

export default defineConfig({
  test: {
    projects: [
      ...packages.map((p) => ({
        resolve: { alias },
        test: {
          name: p,
          root: `${root}packages/${p}`,
          include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
          testTimeout: 60_000,
          // A hook may load a large tokenizer while turbo runs other packages' lint and tests beside it.
          hookTimeout: 60_000,
        },
      })),
      // Repository-level tests (README examples): `pnpm run test:readme`, after every package is built.
      {
        test: { name: 'repo', root, include: ['tools/**/*.test.ts'], testTimeout: 180_000 },
      },
    ],
  },
});
