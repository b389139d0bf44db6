// The service worker lets a page be reloaded with no network at all: the
// work typed offline waits in the browser (connection.js's outbox) and is
// sent once the link is back, but only a page that loads can send it.
//
// Network first, always: online, every file is the server's (and its ETag
// makes that cheap), so a new version of the app is never hidden behind a
// cache. Offline, the app's files and pages come from the copies kept the
// last time they were fetched. Nothing the server says about a board (the
// API, exports, the socket) is kept, except the app's config.

const cacheName = 'plenary-app';

/** kept says whether a GET of url is one of the app's own files or pages. */
function kept(url) {
  return url.origin === self.location.origin && (!url.pathname.startsWith('/api/') || url.pathname === '/api/config')
    && url.pathname !== '/ws' && !['/healthz', '/readyz', '/metrics'].includes(url.pathname);
}

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (ev) => ev.waitUntil(self.clients.claim()));

// A page that registers the worker tells it what it loaded before the
// worker was there to see it, so that its first offline reload finds them.
self.addEventListener('message', (ev) => {
  const urls = (ev.data?.keep ?? []).filter((u) => kept(new URL(u)));
  ev.waitUntil(caches.open(cacheName).then((cache) => Promise.all(urls.map((u) => cache.add(u).catch(() => {})))));
});

self.addEventListener('fetch', (ev) => {
  const req = ev.request;
  if (req.method !== 'GET' || !kept(new URL(req.url))) return;
  ev.respondWith((async () => {
    const cache = await caches.open(cacheName);
    try {
      const resp = await fetch(req);
      if (resp.ok) ev.waitUntil(cache.put(req, resp.clone()));
      return resp;
    } catch (err) {
      // Every page of the app is the same document, so a board's link
      // opened offline for the first time gets the one kept for another.
      const copy = await cache.match(req, { ignoreSearch: true })
        ?? (req.mode === 'navigate' ? await cache.match('/') : undefined);
      if (copy) return copy;
      throw err;
    }
  })());
});
