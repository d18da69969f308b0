import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the sources; the built packages are checked by attw and the demo.
    alias: [
      { find: /^@switchyard\/core$/, replacement: src('./packages/core/src/index.ts') },
      { find: /^@switchyard\/core\/telemetry$/, replacement: src('./packages/core/src/telemetry/setup.ts') },
      { find: /^@switchyard\/core\/opossum$/, replacement: src('./packages/core/src/opossum.ts') },
      { find: /^@switchyard\/core\/consul$/, replacement: src('./packages/core/src/consul.ts') },
      { find: /^@switchyard\/core\/server$/, replacement: src('./packages/core/src/server.ts') },
      { find: /^@switchyard\/core\/semconv$/, replacement: src('./packages/core/src/semconv.ts') },
      // Tests only: internal helpers, not a package entry point.
      { find: /^@switchyard\/core\/internal$/, replacement: src('./packages/core/src/internal.ts') },
      { find: /^@switchyard\/nestjs$/, replacement: src('./packages/nestjs/src/index.ts') },
      { find: /^@switchyard\/express$/, replacement: src('./packages/express/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
