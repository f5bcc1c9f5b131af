// Scaling Lab's service worker: the app works offline after the first visit.
//
// Pages (navigations) go to the network first and fall back to the cached copy, so a new version is
// picked up as soon as it is online. Everything else (the hashed wasm/js/css that Trunk emits, and the
// corpus under data/) is served from the cache first. When a fresh index.html arrives, cached assets it
// no longer references are deleted, so an old version's files do not pile up.
const CACHE = 'scaling-lab';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    event.respondWith(networkFirst(request));
  } else {
    event.respondWith(cacheFirst(request));
  }
});

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) {
      // One cached page per scope: the query string (view, settings) does not change the document.
      const page = new URL(request.url);
      page.search = '';
      await cache.put(page.href, response.clone());
      pruneStaleAssets(cache, await response.clone().text());
    }
    return response;
  } catch (offline) {
    const page = new URL(request.url);
    page.search = '';
    return (await cache.match(page.href)) || new Response('Scaling Lab is offline and was never loaded here.', { status: 503 });
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

/** Deletes cached wasm/js/css files that the current index.html no longer names (an older build's). */
async function pruneStaleAssets(cache, html) {
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname;
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (/\.(wasm|js|css)$/.test(name) && name !== 'sw.js' && !html.includes(name)) await cache.delete(request);
  }
}
