import { defineConfig } from 'vite';

// The Rust binary serves dist/ at `/` with an SPA fallback to index.html.
// For `npm run dev`, API calls (and the live WebSocket) go to a local server.
const target = process.env.ZHIHUI_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    sourcemap: false,
  },
  server: {
    proxy: {
      '/api': { target, changeOrigin: true, ws: true },
    },
  },
});
