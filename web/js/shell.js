// What every page shares: the service worker (app shell offline), the connection indicator and
// the offline banner.
import { h } from './dom.js';

const PROBE_TIMEOUT_MS = 3000;

export function registerServiceWorker() {
  // Service workers need a secure context (https or localhost); elsewhere the app still works online.
  if ('serviceWorker' in navigator && window.isSecureContext) {
    navigator.serviceWorker.register('/sw.js').catch(() => {});
  }
}

// Live only when the feed is up AND nothing says the box is gone: the browser going offline, or
// a request that got no answer (a probe of /health when the page opens, the outbox's sends),
// turns it Offline at once (the feed alone notices a dead box only after its watchdog). Without
// such evidence it says "Connecting" and raises no alarm; behind the PIN pad there is no banner
// (the pad says itself when the box cannot be reached). `texts` lets a screen word the banner.
export function connectionIndicator(texts = {}) {
  const offlineText = texts.offline || ((queued) => `Connection to the box lost \u2014 showing the last known state${
    queued ? `; ${queued} tap(s) queued` : ''}. Reconnecting\u2026`);
  const sendingText = texts.sending || ((queued) => `Sending ${queued} queued tap(s)\u2026`);
  const indicator = h('span', { class: 'conn', 'data-testid': 'connection' }, 'Connecting\u2026');
  const banner = h('div', { class: 'banner', role: 'alert', hidden: true, 'data-testid': 'offline-banner' });
  let queued = 0;
  let feed = null;         // null until the feed has tried once
  let unreachable = false; // a request found no box
  const render = () => {
    const browserOffline = navigator.onLine === false;
    const online = feed === true && !browserOffline && !unreachable;
    const known = feed !== null || browserOffline || unreachable;
    indicator.className = online ? 'conn online' : (known ? 'conn' : 'conn connecting');
    indicator.textContent = online ? 'Live' : (known ? 'Offline' : 'Connecting\u2026');
    // the PIN pad says itself when the box cannot be reached: no alarm behind it
    const loggingIn = document.querySelector('[data-testid="login"]') !== null;
    banner.hidden = !known || loggingIn || (online && queued === 0);
    banner.textContent = online ? sendingText(queued) : offlineText(queued);
  };
  window.addEventListener('offline', render);
  window.addEventListener('online', render);
  // A page opened (or reloaded) while the box is away says so at once.
  fetch('/health', { cache: 'no-store', signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })
    .then(() => {}, () => { if (feed !== true) { unreachable = true; render(); } });
  render();
  return {
    indicator, banner,
    setOnline(value) { feed = value; if (value) unreachable = false; render(); },
    setReachable(value) { if (value !== null) { unreachable = !value; render(); } },
    setQueued(count) { queued = count; render(); },
  };
}

export function orderLabel(order) {
  const where = order.table ? `Table ${order.table}` : (order.customer_name || '');
  const kind = order.type === 'takeout' ? 'Takeout' : 'Dine in';
  return [where, kind].filter(Boolean).join(' \u00b7 ');
}
