import react from '@vitejs/plugin-react';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

/** Writes `.br` and `.gz` next to each text file of the build: the local server sends them
 * to browsers that accept them (CloudFront compresses on its own; infra/deploy-web.sh skips
 * them). */
function precompress(): Plugin {
  let outDir = 'dist';
  return {
    name: 'erp-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    closeBundle() {
      const walk = (dir: string): string[] =>
        readdirSync(dir).flatMap((name) => {
          const path = join(dir, name);
          return statSync(path).isDirectory() ? walk(path) : [path];
        });
      for (const file of walk(outDir).filter((f) => /\.(js|css|html|svg|json|txt)$/.test(f))) {
        const body = readFileSync(file);
        if (body.length < 1024) continue;
        writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }));
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        );
      }
    },
  };
}

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
  plugins: [react(), precompress()],
  server: { host: '127.0.0.1', proxy },
  preview: { host: '127.0.0.1', proxy, headers: { 'Content-Security-Policy': csp } },
  build: {
    outDir: 'dist',
    // Inline nothing as data: URLs so a strict CSP (default-src 'self') holds.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
