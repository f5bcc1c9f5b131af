// Runs every tests/e2e/*.test.mjs against the built page (dist/) in headless Chromium and prints
// "N passed, N failed". Usage: node tests/e2e/run.mjs [name filter]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, launch } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(here, '../../dist');
const filter = process.argv[2] || '';

if (!fs.existsSync(path.join(dist, 'index.html'))) {
  console.error('dist/index.html is missing: build the page first (trunk build --release)');
  process.exit(1);
}

const files = fs.readdirSync(here).filter((f) => f.endsWith('.test.mjs')).sort();
const tests = [];
for (const f of files) {
  for (const t of (await import(path.join(here, f))).default) tests.push({ file: f, ...t });
}

const server = await serve(dist, '/');
let passed = 0;
let failed = 0;
for (const t of tests.filter((t) => t.name.includes(filter))) {
  const start = Date.now();
  const context = await launch({ webgpu: t.webgpu });
  const page = context.pages()[0] || (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    // A test with a prefix gets the page served under that sub-path instead of the root.
    const host = t.prefix ? await serve(dist, t.prefix) : server;
    try {
      await t.run(page, host.url, { context, server: host, errors });
    } finally {
      if (host !== server) host.close();
    }
    if (errors.length) throw new Error('uncaught page errors: ' + errors.join('; '));
    passed++;
    console.log(`ok   ${t.file}: ${t.name} (${((Date.now() - start) / 1000).toFixed(1)}s)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${t.file}: ${t.name}\n     ${e.message.split('\n').join('\n     ')}`);
    const shot = path.join(process.env.E2E_ARTIFACTS || '/tmp', `e2e-fail-${passed + failed}.png`);
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    console.log(`     screenshot: ${shot}`);
  } finally {
    await context.close();
  }
}
server.close();
console.log(`browser tests: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
