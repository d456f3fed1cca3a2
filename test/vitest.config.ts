import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Live tests create network namespaces and measure kernel drops; one file at a time keeps
    // them from competing for the machine's two cores.
    fileParallelism: false,
  },
});
