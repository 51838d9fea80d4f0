import react from '@vitejs/plugin-react';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin, type Rolldown } from 'vite';

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

/** The chunk holding the module whose path ends with `suffix`. */
function chunkOf(bundle: Rolldown.OutputBundle, suffix: string): Rolldown.OutputChunk | undefined {
  return Object.values(bundle).find((c): c is Rolldown.OutputChunk => c.type === 'chunk' && c.moduleIds.some((id) => id.endsWith(suffix)));
}

/** `roots` and the chunks they import statically, transitively (file names, in the order
 * reached), leaving out those `skip` names and what only they import. */
function importClosure(bundle: Rolldown.OutputBundle, roots: string[], skip: (chunk: Rolldown.OutputChunk) => boolean = () => false): string[] {
  const files: string[] = [];
  const visit = (file: string) => {
    const chunk = bundle[file];
    if (files.includes(file) || chunk?.type !== 'chunk' || skip(chunk)) return;
    files.push(file);
    chunk.imports.forEach(visit);
  };
  roots.forEach(visit);
  return files;
}

/** Adds `<link rel="modulepreload">` to index.html for the app's code (src/mount.tsx and the
 * chunks it imports, React's among them): the entry (src/main.tsx) imports them dynamically,
 * so that its own small script runs first, and without these links their download would only
 * start then. */
function preloadApp(): Plugin {
  let base = '/';
  return {
    name: 'erp-preload-app',
    apply: 'build',
    configResolved(config) {
      base = config.base;
    },
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const bundle = ctx.bundle;
        if (!bundle) return undefined;
        const app = chunkOf(bundle, '/src/mount.tsx');
        if (!app) throw new Error('erp-preload-app: no chunk for src/mount.tsx');
        // Vite preloads the entry and its own imports already.
        const entryImports = Object.values(bundle).flatMap((c) => (c.type === 'chunk' && c.isEntry ? c.imports : []));
        const files = importClosure(bundle, [app.fileName], (c) => c.isEntry || entryImports.includes(c.fileName));
        return files.map((file) => ({
          tag: 'link',
          attrs: { rel: 'modulepreload', crossorigin: true, href: `${base}${file}` },
          injectTo: 'head' as const,
        }));
      },
    },
  };
}

const EAGER_CHUNKS = ['boot', 'app', 'react', 'router'];

/** The sign-in page's JavaScript, gzip-compressed: the entry, the app (src/mount.tsx) and the
 * page's chunk, with what they import. Printed by the build, which fails above the budget
 * (issue 12: at most 150 KB; e2e/shell.spec.ts measures it in the browser too). */
function signInBudget(limit = 150 * 1024): Plugin {
  return {
    name: 'erp-sign-in-budget',
    apply: 'build',
    generateBundle(_options, bundle) {
      const entries = Object.values(bundle).flatMap((c) => (c.type === 'chunk' && c.isEntry ? [c.fileName] : []));
      const page = ['/src/mount.tsx', '/src/pages/auth/SignInPage.tsx'].flatMap((m) => chunkOf(bundle, m)?.fileName ?? []);
      const files = importClosure(bundle, [...entries, ...page]);
      let gzip = 0;
      for (const file of files) {
        const chunk = bundle[file];
        if (chunk?.type === 'chunk') gzip += gzipSync(chunk.code, { level: 9 }).length;
      }
      const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
      this.info(`sign-in page: ${kib(gzip)} of JavaScript (gzip) in ${files.length} files, budget ${kib(limit)}`);
      if (gzip > limit) this.error(`the sign-in page loads ${kib(gzip)} of JavaScript (gzip), more than its budget of ${kib(limit)}`);
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
  plugins: [react(), preloadApp(), signInBudget(), precompress()],
  server: { host: '127.0.0.1', proxy },
  preview: { host: '127.0.0.1', proxy, headers: { 'Content-Security-Policy': csp } },
  build: {
    outDir: 'dist',
    // Inline nothing as data: URLs so a strict CSP (default-src 'self') holds.
    assetsInlineLimit: 0,
    sourcemap: false,
    rolldownOptions: {
      output: {
        // V8's explicit compile hint on the chunks whose code runs at page load (the app's
        // start, React, the router, the app): Chrome then compiles their functions while it
        // downloads them, off the main thread, instead of each on its first call, on it.
        postBanner: (chunk) => (EAGER_CHUNKS.includes(chunk.name) ? '//# allFunctionsCalledOnLoad' : ''),
        codeSplitting: {
          groups: [
            // A few chunks the first page load fetches in parallel (index.html preloads them),
            // rather than a dozen small ones split by which pages use which modules.
            {
              // What src/main.tsx runs before React (src/boot.ts and what it needs).
              name: 'boot',
              test: /^\0vite[\\/]preload-helper|[\\/]node_modules[\\/]openapi-fetch[\\/]|[\\/]src[\\/](boot|routes|theme|format|api[\\/](client|problem)|session[\\/](core|me)|components[\\/]list[\\/]listState|pages[\\/][^\\/]+[\\/]queries)\.tsx?$/,
            },
            {
              // React (the app and every page need it); evaluated in a task of its own
              // (src/main.tsx).
              name: 'react',
              test: /[\\/]node_modules[\\/](react|react-dom|scheduler)[\\/]/,
            },
            {
              // The router and React Query.
              name: 'router',
              test: /[\\/]node_modules[\\/](react-router|@tanstack[\\/](react-query|query-core))[\\/]/,
            },
            {
              // The app around the pages (src/mount.tsx, the layout) and the small parts most
              // pages use (fields, messages, formatters, list filters).
              name: 'app',
              test: /[\\/]src[\\/](App|mount|company|session[\\/](SessionProvider|context|permissions|index)|layout[\\/][^\\/]+|components[\\/](Skeleton|ErrorBoundary|ProblemMessage|fields|list[\\/](ListToolbar|useListParams|cursorPaging)))\.tsx?$/,
            },
          ],
        },
      },
    },
  },
});
