// Generates src/api/schema.d.ts from ../docs/openapi.json with openapi-typescript.
//   node scripts/gen-api.mjs          write the file   (npm run gen:api)
//   node scripts/gen-api.mjs --check  fail if the committed file is stale (npm run check:api)
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

const spec = new URL('../../docs/openapi.json', import.meta.url);
const target = fileURLToPath(new URL('../src/api/schema.d.ts', import.meta.url));
const banner =
  '// Generated from docs/openapi.json by `npm run gen:api` (openapi-typescript). Do not edit.\n\n';

const ast = await openapiTS(spec);
const generated = banner + astToString(ast);

if (!process.argv.includes('--check')) {
  await writeFile(target, generated);
  console.log(`wrote ${target}`);
  process.exit(0);
}

const dir = await mkdtemp(join(tmpdir(), 'erp-api-'));
try {
  const fresh = join(dir, 'schema.d.ts');
  await writeFile(fresh, generated);
  const committed = await readFile(target, 'utf8').catch(() => null);
  const regenerated = await readFile(fresh, 'utf8');
  if (committed !== regenerated) {
    console.error(
      committed === null
        ? `src/api/schema.d.ts is missing. Run \`npm run gen:api\` in web/ and commit the result.`
        : `src/api/schema.d.ts is stale: docs/openapi.json changed since it was generated.\n` +
            `Run \`npm run gen:api\` in web/ and commit the result.`,
    );
    process.exit(1);
  }
  console.log('src/api/schema.d.ts is up to date with docs/openapi.json');
} finally {
  await rm(dir, { recursive: true, force: true });
}
