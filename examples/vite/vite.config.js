// In development, the page's POST /api/order goes to the shop server
// (../express.mjs): SHOP_URL, default http://127.0.0.1:3000. In production,
// serve the built dist/ and /api from one origin.
import { defineConfig } from 'vite';

export default defineConfig({
  server: {
    proxy: { '/api': { target: process.env.SHOP_URL ?? 'http://127.0.0.1:3000', changeOrigin: true } },
  },
});
