import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The portal is served by the API server itself (server/src/plugins/web.ts); in `npm run dev` Vite proxies
// the API to a server started separately on PORT (default 8000).
const api = process.env.POCKETLLM_API ?? 'http://127.0.0.1:8000';

export default defineConfig({
  plugins: [react(), tailwindcss()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 800 },
  server: { proxy: { '/api': api, '/v1': api, '/healthz': api } },
});
