// Expo: every order in the kitchen, oldest first, ageing like the KDS, each station's progress and
// every item with its modifiers and allergies; Complete (with a few seconds to undo) when all
// stations are ready; the last completed orders to look back at. The board scrolls.
import { api, clearPairedDevice, clearSession, Outbox, pairedDevice } from './api.js';
import { elapsedText, h, parseTime, toast } from './dom.js';
import { clockTime, itemView, orderNoteView } from './kds-card.js';
import { LiveFeed } from './live.js';
import { ensureSession } from './login.js';
import { screenMenu } from './screen-menu.js';
import { connectionIndicator, orderLabel, registerServiceWorker } from './shell.js';
import { AGE_CUE, ageLevel, SOURCE_TEXT } from './tickets.js';

const IN_KITCHEN = ['fired', 'in_progress', 'ready'];
const STATUS_TEXT = { fired: 'new', in_progress: 'cooking', ready: '\u2713 ready', voided: 'void' };
const UNDO_MS = 5000;
const RECENT_LIMIT = 20;
const DEFAULT_TIMING = { warn_after_s: 300, late_after_s: 480 };
const orders = new Map();
const pending = new Map(); // completes waiting out their undo time: order id -> {order, timer}
const completed = []; // newest first, for "Recently completed"
const stationNames = new Map();
let timing = DEFAULT_TIMING;
let token = null;
let feed = null;
let outbox = null;
let clockOffsetMs = 0;

const conn = connectionIndicator();
const menu = screenMenu({ current: 'expo', token: () => token });
const board = h('main', { class: 'expo', 'data-testid': 'expo' });
const countLabel = h('span', { class: 'who', 'data-testid': 'expo-count' });
const undoBar = h('div', { class: 'undo-bar', hidden: true, role: 'status', 'data-testid': 'undo-bar' });
const recentList = h('ul', { class: 'completed-list', 'data-testid': 'completed-list' });
const recentPanel = h('aside', { class: 'side', hidden: true }, h('h2', {}, 'Recently completed'), recentList,
  h('button', { type: 'button', onclick: () => { recentPanel.hidden = true; } }, 'Close'));

function upsert(order) {
  if (IN_KITCHEN.includes(order.status) && !pending.has(order.id)) orders.set(order.id, order);
  else orders.delete(order.id);
  if (order.status === 'completed') remember(order);
}

function remember(order) {
  const index = completed.findIndex((known) => known.id === order.id);
  if (index >= 0) completed.splice(index, 1);
  completed.unshift(order);
  completed.length = Math.min(completed.length, RECENT_LIMIT);
}

function fromSnapshot(view) {
  // The expo view's shape, widened to what an event's order carries where the board needs it.
  return view.orders.map((o) => ({ ...o, tickets: o.stations.map((s) => ({ id: s.ticket_id, station: s.station, status: s.status })),
    items: o.items.map((i) => ({ ...i, modifiers: (i.modifiers || []).map((name) => ({ name })), done_at: i.done ? 'done' : null })) }));
}

function applyEvent(event) {
  if (event.type === 'menu.item_updated' || !(event.data && event.data.order)) return;
  const order = event.data.order;
  const known = orders.get(order.id);
  const actor = event.data.actor;
  order.server = (known && known.server) || (actor && actor.id === order.created_by ? actor.name : null);
  upsert(order);
  render();
}

async function loadSnapshot() {
  try {
    const config = await api('/api/v1/web/config', { token });
    const view = await api('/api/v1/expo', { token });
    clockOffsetMs = parseTime(config.now) - Date.now();
    timing = config.kds;
    config.stations.forEach((s) => stationNames.set(s.id, s.name));
    menu.configure(config, null, null);
    orders.clear();
    fromSnapshot(view).forEach(upsert);
    render();
    feed.start(config.last_seq);
  } catch (error) {
    if (error.status === 401) { unauthorized(); return; }
    feed.start(feed.lastSeq);
  }
}

// -- complete, with undo ----------------------------------------------------------------------
function complete(order) {
  orders.delete(order.id);
  const timer = setTimeout(() => send(order.id), UNDO_MS);
  pending.set(order.id, { order, timer });
  render();
}

function send(orderId) {
  const entry = pending.get(orderId);
  if (!entry) return;
  clearTimeout(entry.timer);
  pending.delete(orderId);
  remember({ ...entry.order, status: 'completed' });
  outbox.push(`/api/v1/orders/${orderId}/complete`);
  renderUndo();
}

function undo(orderId) {
  const entry = pending.get(orderId);
  if (!entry) return;
  clearTimeout(entry.timer);
  pending.delete(orderId);
  orders.set(orderId, entry.order);
  render();
}

function renderUndo() {
  const last = [...pending.values()].pop();
  undoBar.hidden = !last;
  if (!last) return;
  const more = pending.size > 1 ? ` (+${pending.size - 1})` : '';
  undoBar.replaceChildren(h('span', {}, `#${last.order.number} completed${more}`),
    h('button', { type: 'button', onclick: () => undo(last.order.id) }, 'Undo'));
}

// -- drawing ----------------------------------------------------------------------------------
function render() {
  // In the box's order (the snapshot comes sorted by the log; a newly fired order joins the end),
  // never by wall-clock stamps a Pi without a real-time clock may get wrong.
  const list = [...orders.values()];
  board.replaceChildren(...(list.length ? list.map(orderView) : [h('p', { class: 'empty' }, 'Nothing in the kitchen')]));
  const ready = list.filter((order) => order.status === 'ready').length;
  countLabel.textContent = `${list.length} in the kitchen \u00b7 ${ready} ready`;
  renderUndo();
  renderRecent();
  tick();
}

function orderView(order) {
  const ready = order.status === 'ready';
  const live = order.tickets.filter((t) => t.status !== 'voided'); // an amendment may void a ticket
  const waiting = live.filter((t) => t.status !== 'ready').map((t) => stationNames.get(t.station) || t.station);
  const meta = [order.server, SOURCE_TEXT[order.source] || order.source, order.fired_at && `fired ${clockTime(order.fired_at)}`];
  return h('article', { class: ready ? 'card all-ready' : 'card', 'data-testid': 'expo-order',
    dataset: { fired: order.fired_at || '', order: order.id } },
  h('div', { class: 'card-head' },
    h('span', { class: 'head-top' }, h('span', { class: 'num' }, `#${order.number}`), h('span', { class: 'timer' })),
    h('span', { class: 'where' }, orderLabel(order)), h('span', { class: 'cue' }),
    h('span', { class: 'meta' }, meta.filter(Boolean).join(' \u00b7 '))),
  h('div', { class: 'progress' }, live.map((t) =>
    h('span', { class: `chip ${t.status}`, 'data-testid': `station-${t.station}` },
      `${stationNames.get(t.station) || t.station}: ${STATUS_TEXT[t.status] || t.status}`))),
  h('ol', { class: 'items' }, order.items.map((item) => itemView(expoItem(item),
    { label: stationNames.get(item.station) || item.station }))),
  order.notes && orderNoteView(order),
  ready ? h('button', { type: 'button', class: 'good complete', onclick: () => complete(order) }, 'Complete \u2014 hand over')
    : h('p', { class: 'waiting', 'data-testid': 'waiting' }, `Waiting for ${waiting.join(', ')}`));
}

function expoItem(item) {
  return { id: item.id, name: item.name, quantity: item.quantity, notes: item.notes || null,
    modifiers: (item.modifiers || []).map((m) => (typeof m === 'string' ? m : m.name)),
    done: Boolean(item.done_at), voided: Boolean(item.voided_at) };
}

function renderRecent() {
  if (recentPanel.hidden) return;
  recentList.replaceChildren(...(completed.length ? completed.map((order) => h('li', {},
    h('strong', {}, `#${order.number} ${orderLabel(order)}`),
    h('span', { class: 'what' }, order.items.map((item) => `${item.quantity}\u00d7 ${item.name}`).join(', ')),
    order.completed_at && h('span', { class: 'what' }, `completed ${clockTime(order.completed_at)}`)))
    : [h('li', {}, 'Nothing completed yet.')]));
}

async function openRecent() {
  recentPanel.hidden = !recentPanel.hidden;
  if (recentPanel.hidden) return;
  try { // the box's word, so a reload or another expo tablet's completes are there too
    const since = new Date(Date.now() + clockOffsetMs - 60 * 60 * 1000).toISOString();
    const { orders: done } = await api(`/api/v1/orders?status=completed&since=${encodeURIComponent(since)}&limit=500`, { token });
    done.sort((a, b) => parseTime(a.completed_at) - parseTime(b.completed_at)).forEach(remember);
  } catch { /* offline: what this screen saw */ }
  renderRecent();
}

function tick() {
  const nowMs = Date.now() + clockOffsetMs;
  for (const article of board.querySelectorAll('article')) {
    const seconds = (nowMs - parseTime(article.dataset.fired)) / 1000;
    const level = Number.isFinite(seconds) ? ageLevel(seconds, timing) : 'fresh';
    article.classList.toggle('warn', level === 'warn');
    article.classList.toggle('late', level === 'late');
    article.dataset.age = level;
    article.querySelector('.timer').textContent = Number.isFinite(seconds) ? elapsedText(seconds) : '';
    article.querySelector('.cue').textContent = AGE_CUE[level];
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
  document.body.classList.add('kitchen');
  document.body.append(h('header', { class: 'bar' }, h('h1', {}, 'Expo'), countLabel, h('span', { class: 'spacer' }),
    h('button', { type: 'button', onclick: openRecent }, 'Recently completed'), menu.button, conn.indicator),
  conn.banner, board, undoBar, recentPanel, menu.panel);
  // Leaving the page inside the undo time: the completes are meant, queue them now.
  window.addEventListener('pagehide', () => [...pending.keys()].forEach(send));
  token = await credentials();
  outbox = new Outbox('edge.outbox.expo', { token: () => token, onChange: conn.setQueued, onUnauthorized: unauthorized,
    onRejected: rejected });
  feed = new LiveFeed({ token: () => token, onResync: loadSnapshot, onUnauthorized: unauthorized,
    onState: (online) => { conn.setOnline(online); menu.setOnline(online); if (online) outbox.flush(); },
    onEvent: applyEvent });
  await loadSnapshot();
  setInterval(tick, 1000);
}

main();
