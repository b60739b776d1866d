// What every page shares: the service worker (app shell offline), the connection indicator and
// the offline banner.
import { h } from './dom.js';

export function registerServiceWorker() {
  // Service workers need a secure context (https or localhost); elsewhere the app still works online.
  if ('serviceWorker' in navigator && window.isSecureContext) {
    navigator.serviceWorker.register('/sw.js').catch(() => {});
  }
}

export function connectionIndicator() {
  const indicator = h('span', { class: 'conn', 'data-testid': 'connection' }, 'Offline');
  const banner = h('div', { class: 'banner', role: 'alert', hidden: true, 'data-testid': 'offline-banner' });
  let queued = 0;
  let online = false;
  const render = () => {
    indicator.className = online ? 'conn online' : 'conn';
    indicator.textContent = online ? 'Live' : 'Offline';
    banner.hidden = online && queued === 0;
    banner.textContent = online
      ? `Sending ${queued} queued tap(s)\u2026`
      : `Connection to the box lost \u2014 showing the last known state${queued ? `; ${queued} tap(s) queued` : ''}. Reconnecting\u2026`;
  };
  render();
  return {
    indicator, banner,
    setOnline(value) { online = value; render(); },
    setQueued(count) { queued = count; render(); },
  };
}

export function orderLabel(order) {
  const where = order.table ? `Table ${order.table}` : (order.customer_name || '');
  const kind = order.type === 'takeout' ? 'Takeout' : 'Dine in';
  return [where, kind].filter(Boolean).join(' \u00b7 ');
}
