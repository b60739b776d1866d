// Expo: every order in the kitchen with each station's progress; complete it when all are ready.
import { api, clearPairedDevice, clearSession, Outbox, pairedDevice } from './api.js';
import { elapsedText, h, parseTime, toast } from './dom.js';
import { LiveFeed } from './live.js';
import { ensureSession } from './login.js';
import { connectionIndicator, orderLabel, registerServiceWorker } from './shell.js';

const IN_KITCHEN = ['fired', 'in_progress', 'ready'];
const STATUS_TEXT = { fired: 'new', in_progress: 'cooking', ready: '\u2713 ready' };
const orders = new Map();
let token = null;
let feed = null;
let outbox = null;
let clockOffsetMs = 0;

const conn = connectionIndicator();
const board = h('main', { class: 'expo', 'data-testid': 'expo' });

function upsert(order) {
  if (IN_KITCHEN.includes(order.status)) orders.set(order.id, order);
  else orders.delete(order.id);
}

function fromSnapshot(view) {
  // The expo view's shape, widened to what an event's order carries where the board needs it.
  return view.orders.map((o) => ({ ...o, tickets: o.stations.map((s) => ({ id: s.ticket_id, station: s.station, status: s.status })),
    items: o.items.map((i) => ({ ...i, done_at: i.done ? 'done' : null })) }));
}

async function loadSnapshot() {
  try {
    const config = await api('/api/v1/web/config', { token });
    const view = await api('/api/v1/expo', { token });
    clockOffsetMs = parseTime(config.now) - Date.now();
    orders.clear();
    fromSnapshot(view).forEach(upsert);
    render();
    feed.start(config.last_seq);
  } catch (error) {
    if (error.status === 401) { unauthorized(); return; }
    feed.start(feed.lastSeq);
  }
}

function complete(order) {
  orders.delete(order.id);
  render();
  outbox.push(`/api/v1/orders/${order.id}/complete`);
}

function render() {
  // In the box's order (the snapshot comes sorted by the log; a newly fired order joins the end),
  // never by wall-clock stamps a Pi without a real-time clock may get wrong.
  const list = [...orders.values()];
  board.replaceChildren(...(list.length ? list.map(orderView) : [h('p', { class: 'empty' }, 'Nothing in the kitchen')]));
  tick();
}

function orderView(order) {
  const ready = order.status === 'ready';
  return h('article', { class: ready ? 'card all-ready' : 'card', 'data-testid': 'expo-order', dataset: { fired: order.fired_at || '', order: order.id } },
    h('div', { class: 'card-head' }, h('span', { class: 'timer' }), h('span', { class: 'num' }, `#${order.number}`),
      h('span', { class: 'where' }, orderLabel(order))),
    h('div', { class: 'progress' }, order.tickets.filter((t) => t.status !== 'voided').map((t) =>
      h('span', { class: t.status === 'ready' ? 'chip ready' : 'chip', 'data-testid': `station-${t.station}` },
        `${t.station}: ${STATUS_TEXT[t.status] || t.status}`))),
    h('ol', { class: 'items' }, order.items.filter((item) => !item.voided_at).map((item) => h('li', { class: item.done_at ? 'item done' : 'item' },
      h('span', { class: 'qty' }, `${item.quantity}\u00d7`), item.name))),
    h('button', { type: 'button', class: 'good complete', disabled: !ready, onclick: () => complete(order) },
      ready ? 'Complete \u2014 hand over' : 'Waiting for stations'));
}

function tick() {
  const nowMs = Date.now() + clockOffsetMs;
  for (const article of board.querySelectorAll('article')) {
    const seconds = (nowMs - parseTime(article.dataset.fired)) / 1000;
    article.querySelector('.timer').textContent = Number.isFinite(seconds) ? elapsedText(seconds) : '';
  }
}

// The box refused a tap (another tablet got there first, say): show why and reload its truth.
function rejected(error) {
  toast(error.message, { error: true, ms: 4000 });
  loadSnapshot();
}

function unauthorized() {
  const paired = pairedDevice();
  if (paired && paired.device.station === 'expo') clearPairedDevice();
  else clearSession();
  location.reload();
}

async function credentials() {
  const paired = pairedDevice();
  if (paired && paired.device.station === 'expo') return paired.token;
  return (await ensureSession(['staff', 'admin'], 'Log in to the expo screen')).token;
}

async function main() {
  registerServiceWorker();
  document.body.append(h('header', { class: 'bar' }, h('h1', {}, 'Expo'), h('span', { class: 'spacer' }), conn.indicator),
    conn.banner, board);
  token = await credentials();
  outbox = new Outbox('edge.outbox.expo', { token: () => token, onChange: conn.setQueued, onUnauthorized: unauthorized,
    onRejected: rejected });
  feed = new LiveFeed({ token: () => token, onResync: loadSnapshot, onUnauthorized: unauthorized,
    onState: (online) => { conn.setOnline(online); if (online) outbox.flush(); },
    onEvent: (event) => { if (event.data && event.data.order) { upsert(event.data.order); render(); } } });
  await loadSnapshot();
  setInterval(tick, 1000);
}

main();
