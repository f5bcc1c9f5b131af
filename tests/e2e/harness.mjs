// Shared pieces of the browser tests: a static server for dist/, Chromium launch flags, small assertions.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { chromium } from 'playwright-core';

const TYPES = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.json': 'application/json', '.txt': 'text/plain; charset=utf-8', '.png': 'image/png',
  '.svg': 'image/svg+xml', '.webmanifest': 'application/manifest+json',
};

/** Serves `root` on a free localhost port; `prefix` mounts it under a sub-path (e.g. "/lab/"). */
export async function serve(root, prefix = '/') {
  const server = http.createServer((req, res) => {
    let url = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (!url.startsWith(prefix)) { res.writeHead(404); return res.end('not under ' + prefix); }
    url = url.slice(prefix.length);
    let file = path.join(root, url || 'index.html');
    if (!file.startsWith(root)) { res.writeHead(403); return res.end(); }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!fs.existsSync(file)) { res.writeHead(404); return res.end('not found'); }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}${prefix}`, close: () => server.close() };
}

/** Headless Debian Chromium; with `webgpu` it offers the SwiftShader WebGPU adapter. */
export async function launch({ webgpu }) {
  const args = [
    '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
  ];
  if (webgpu) args.push('--enable-unsafe-webgpu');
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args,
  });
  return context;
}

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

export function assertClose(got, want, tol, label) {
  assert(Math.abs(got - want) <= tol * (1 + Math.abs(want)), `${label}: got ${got}, want ${want} (tol ${tol})`);
}

/** Text of the element with this data-testid, waiting for it to appear. */
export async function textOf(page, testid, timeout = 60000) {
  const locator = page.locator(`[data-testid="${testid}"]`).first();
  await locator.waitFor({ timeout });
  return (await locator.textContent()).trim();
}
