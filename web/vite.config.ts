import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The local server (target/debug/erp-local) listens on 3000 unless ERP_PORT says otherwise.
const apiPort = process.env.ERP_PORT ?? '3000';

const proxy = { '/api': { target: `http://127.0.0.1:${apiPort}`, changeOrigin: false } };

// The CSP the local server sends with the app (docs/decisions/0007-web-app.md); `npm run preview` uses it to catch violations.
const csp = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "font-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export default defineConfig({
  plugins: [react()],
  server: { host: '127.0.0.1', proxy },
  preview: { host: '127.0.0.1', proxy, headers: { 'Content-Security-Policy': csp } },
  build: {
    outDir: 'dist',
    // Inline nothing as data: URLs so a strict CSP (default-src 'self') holds.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
