// What every page shares: the service worker (app shell offline), the connection indicator and
// the offline banner.
import { h } from './dom.js';

export function registerServiceWorker() {
  // Service workers need a secure context (https or localhost); elsewhere the app still works online.
  if ('serviceWorker' in navigator && window.isSecureContext) {
    navigator.serviceWorker.register('/sw.js').catch(() => {});
  }
}

const CONNECTING_GRACE_MS = 2000;

export function connectionIndicator() {
  const indicator = h('span', { class: 'conn', 'data-testid': 'connection' }, 'Offline');
  const banner = h('div', { class: 'banner', role: 'alert', hidden: true, 'data-testid': 'offline-banner' });
  let queued = 0;
  let online = false;
  // Connecting: no banner for the first moments of a page (the feed usually connects at once; a
  // banner shown and hidden again also moves every card of a kitchen screen twice).
  let connecting = true;
  setTimeout(() => { connecting = false; render(); }, CONNECTING_GRACE_MS);
  const render = () => {
    indicator.className = online ? 'conn online' : 'conn';
    indicator.textContent = online ? 'Live' : (connecting ? 'Connecting' : 'Offline');
    banner.hidden = (online || connecting) && queued === 0;
    banner.textContent = online
      ? `Sending ${queued} queued tap(s)\u2026`
      : `Connection to the box lost \u2014 showing the last known state${queued ? `; ${queued} tap(s) queued` : ''}. Reconnecting\u2026`;
  };
  render();
  return {
    indicator, banner,
    setOnline(value) { online = value; if (value) connecting = false; render(); },
    setQueued(count) { queued = count; render(); },
  };
}

export function orderLabel(order) {
  const where = order.table ? `Table ${order.table}` : (order.customer_name || '');
  const kind = order.type === 'takeout' ? 'Takeout' : 'Dine in';
  return [where, kind].filter(Boolean).join(' \u00b7 ');
}
