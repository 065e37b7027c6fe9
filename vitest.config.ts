import { defineConfig } from 'vitest/config';

// One run, several projects: the server suites on PGlite, again on PostgreSQL + Redis when
// TEST_DATABASE_URL / TEST_REDIS_URL are set, then the web portal's tests.
// Suites that touch no database or Redis (provider adapters, llama.cpp, the URL policy) run once: a second
// copy proves nothing, and two llama.cpp runtimes at once starve a 2-core machine.
const engineFree = ['src/llm/**/*.test.ts', 'src/lib/url-policy.test.ts'];
const serverProject = (name: string, engine: 'pglite' | 'postgres') => ({
  extends: true as const,
  test: {
    name,
    root: './server',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: engine === 'postgres' ? engineFree : [],
    environment: 'node',
    globalSetup: ['./test/setup/global-setup.ts'],
    setupFiles: ['./test/setup/network-guard.ts'],
    env: { TEST_ENGINE: engine },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

export default defineConfig({
  resolve: { conditions: ['pocketllm-source'] },
  ssr: { resolve: { conditions: ['pocketllm-source'] } },
  test: {
    reporters: ['default'],
    projects: [
      serverProject('server', 'pglite'),
      ...(process.env.TEST_DATABASE_URL ? [serverProject('server-pg', 'postgres')] : []),
      {
        extends: true,
        test: {
          name: 'web',
          root: './web',
          include: ['src/**/*.test.tsx', 'src/**/*.test.ts'],
          environment: 'happy-dom',
          setupFiles: ['./src/test/setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          root: './web',
          include: ['e2e/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
