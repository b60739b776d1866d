// The app shell, cached so a tablet that reloads while the box is briefly unreachable still
// opens (and shows its last state from localStorage, with the offline banner; order entry its
// cached menu and the orders waiting in its IndexedDB outbox). Network first:
// when the box answers, the tablet always runs the box's current version.
const CACHE = 'edge-shell-v2';
const PAGE = '/web/app.html'; // every screen is this page (web/js/main.js picks the screen)
const SHELL = [PAGE, '/web/css/app.css', '/web/css/kitchen.css', '/web/js/api.js', '/web/js/dom.js', '/web/js/expo.js',
  '/web/js/bumpbar-keys.js', '/web/js/kds-blocks.js', '/web/js/kds-card.js', '/web/js/kds-keys.js', '/web/js/kds-layout.js', '/web/js/kds-sound.js', '/web/js/screen-menu.js',
  '/web/js/kds.js', '/web/js/live.js', '/web/js/login.js', '/web/js/main.js', '/web/js/manage.js',
  '/web/js/manage-menu.js', '/web/js/manage-words.js',
  '/web/js/order.js', '/web/js/item-dialog.js', '/web/js/order-lines.js', '/web/js/outbox.js', '/web/js/shell.js',
  '/web/js/tickets.js', '/web/js/voice-panel.js', '/web/js/voice-recorder.js',
  // the kiosk
  '/web/css/kiosk.css', '/web/js/kiosk.js', '/web/js/kiosk-cart.js', '/web/js/kiosk-idle.js', '/web/js/kiosk-item.js',
  '/web/js/kiosk-send.js', '/web/js/kiosk-views.js'];
const NETWORK_TIMEOUT_MS = 4000;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.startsWith('/api/')
      || url.pathname === '/health') {
    return; // live data is never served from a cache
  }
  event.respondWith(networkFirst(event.request, event.request.mode === 'navigate' ? PAGE : url.pathname));
});

async function networkFirst(request, cacheKey) {
  const cache = await caches.open(CACHE);
  try {
    const response = await withTimeout(fetch(request), NETWORK_TIMEOUT_MS);
    if (response.ok) cache.put(cacheKey, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(cacheKey);
    if (cached) return cached;
    throw error;
  }
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms);
    promise.then((value) => { clearTimeout(timer); resolve(value); }, (error) => { clearTimeout(timer); reject(error); });
  });
}
