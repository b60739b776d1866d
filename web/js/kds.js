// A station's kitchen display: tickets oldest first, flowing down columns (kds-layout.js); tap an
// item = done, tap the header = bump; a bump bar or keyboard does the same (bumpbar-keys.js).
import { api, clearPairedDevice, clearSession, Outbox, pairedDevice, session } from './api.js';
import { elapsedText, h, parseTime, toast } from './dom.js';
import { listenForBumpBar } from './bumpbar-keys.js';
import { blockMaker } from './kds-blocks.js';
import { stationKeys } from './kds-keys.js';
import { continuedMarker } from './kds-card.js';
import { layoutColumns } from './kds-layout.js';
import { LiveFeed } from './live.js';
import { ensureSession } from './login.js';
import { screenMenu } from './screen-menu.js';
import { connectionIndicator, orderLabel, registerServiceWorker } from './shell.js';
import { ageLevel, allDay, cardsFromOrder, isActive, isRecallable, lastBumpedFirst, oldestFirst,
  RECALL_LIMIT, withSeqs } from './tickets.js';
import { chime, unlockAudio, voidTone } from './kds-sound.js';

const station = decodeURIComponent(location.pathname.split('/')[2] || '');
const CACHE_KEY = `edge.kds.${station}`;
const DEFAULT_TIMING = { warn_after_s: 300, late_after_s: 480 };
const BUMP_GUARD_MS = 600; // a double tap must not bump the card that slides into place
const COLUMN_MIN_PX = 240;
const COLUMN_GAP_PX = 8;

const state = { cards: new Map(), bumped: new Map(), notices: new Map(), lastSeq: 0, page: 0,
  timing: DEFAULT_TIMING, clockOffsetMs: 0, stationName: station, selected: null, showSelected: false,
  positions: [], levels: new Map() };
let token = null;
let feed = null;
let outbox = null;
let lastBumpAt = 0;
let renderQueued = false;
let lastGridHeight = 0;
let lastGridWidth = 0;

const conn = connectionIndicator();
const keys = stationKeys({ state, station, token: () => token, openCards, scheduleRender,
  act: { bump: (card) => bump(card), bumpAtOnce: (card) => { lastBumpAt = 0; bump(card); }, recall: (card) => recall(card),
    markDone: (card, item) => markDone(card, item), acknowledge: (notice) => acknowledge(notice), turn: (delta) => turn(delta),
    summary: () => toggle(allDayPanel), scroll: (screens) => grid.scrollBy({ top: grid.clientHeight * 0.9 * screens }) } });
const blocks = blockMaker({ state, onBump: (card) => bump(card), onDone: (card, item) => markDone(card, item),
  onAck: (notice) => acknowledge(notice) });
const menu = screenMenu({ current: station, token: () => token });
const grid = h('main', { class: 'tickets', 'data-testid': 'tickets' });
const title = h('h1', {}, station);
const openCount = h('span', { class: 'who', 'data-testid': 'open-count' });
const pageLabel = h('span', { class: 'who page-label', 'data-testid': 'page' });
const prev = h('button', { type: 'button', 'aria-label': 'Previous page', onclick: () => turn(-1) }, '\u25c0');
const next = h('button', { type: 'button', 'aria-label': 'Next page', onclick: () => turn(1) }, '\u25b6');
const allDayList = h('ul', { class: 'allday', 'data-testid': 'all-day' });
const allDayPanel = h('aside', { class: 'side', hidden: true }, h('h2', {}, 'All day'), allDayList,
  h('button', { type: 'button', onclick: () => { allDayPanel.hidden = true; } }, 'Close'));
const recallList = h('ul', { class: 'recall-list', 'data-testid': 'recall-list' });
const recallPanel = h('aside', { class: 'side', hidden: true }, h('h2', {}, 'Recall a bumped ticket'), recallList,
  h('button', { type: 'button', onclick: () => { recallPanel.hidden = true; } }, 'Close'));
const soundHint = h('span', { class: 'who sound-hint' }, '\u266a Tap for sound');

function layout() {
  document.body.classList.add('kitchen');
  document.body.append(
    h('header', { class: 'bar' }, title, openCount, soundHint, h('span', { class: 'spacer' }),
      h('button', { type: 'button', onclick: () => toggle(allDayPanel) }, 'All day'),
      h('button', { type: 'button', onclick: () => toggle(recallPanel) }, 'Recall'),
      prev, pageLabel, next, menu.button, conn.indicator),
    conn.banner, grid, allDayPanel, recallPanel, menu.panel);
  document.addEventListener('pointerdown', () => { if (unlockAudio()) soundHint.hidden = true; }, { once: true });
  // The columns' height changes with the window AND with the banners above them.
  new ResizeObserver(() => { if (grid.clientHeight !== lastGridHeight || grid.clientWidth !== lastGridWidth) scheduleRender(); }).observe(grid);
  listenForBumpBar(keys.press);
  grid.addEventListener('scroll', () => { if (state.scroll) labelPage(); }, { passive: true });
}

function toggle(panel) {
  const show = panel.hidden;
  allDayPanel.hidden = true; recallPanel.hidden = true; menu.close();
  panel.hidden = !show;
  scheduleRender();
}

// -- state ------------------------------------------------------------------------------------
function upsert(card) {
  state.cards.delete(card.id);
  state.bumped.delete(card.id);
  if (isActive(card)) state.cards.set(card.id, card);
  else if (card.status === 'ready') state.bumped.set(card.id, card);
}

function applyEvent(event) {
  const paired = pairedDevice();
  if (event.type === 'device.revoked' && paired && event.data.device.id === paired.device.id) {
    unauthorized();
    return;
  }
  state.lastSeq = event.seq;
  if (event.type === 'kds.selected') keys.follow(event.data);
  if (event.type === 'menu.item_updated') menu.update(event.data.item);
  const order = event.data && event.data.order;
  const cards = order ? cardsFromOrder(order, station, serverOf(order, event, findCard(order.id))) : [];
  if (cards.length) {
    const known = findCard(order.id);
    if (event.type === 'order.voided') announce('void', known, known && known.items, event.data.reason);
    if (event.type === 'order.items_voided') {
      const gone = new Set(event.data.item_ids || []);
      announce('changed', known, known && known.items.filter((item) => gone.has(item.id)), event.data.reason);
    }
  }
  for (const built of cards) {
    const known = state.cards.get(built.id) || state.bumped.get(built.id);
    upsert(withSeqs(built, event, known));
    if ((event.type === 'order.fired' || event.type === 'order.items_added') && !known) chime();
  }
  scheduleRender();
}

function findCard(orderId) {
  return [...state.cards.values(), ...state.bumped.values()].find((card) => card.order_id === orderId);
}

function serverOf(order, event, known) {
  if (known && known.server) return known.server;
  const actor = event.data.actor;
  return actor && actor.id === order.created_by ? actor.name : null;
}

// A void or change of a ticket the cook had on screen stays as a notice until acknowledged.
function announce(kind, card, items, reason) {
  if (!card || !state.cards.has(card.id) || !items || !items.length) return;
  state.notices.set(`${kind}:${card.id}`, { key: `${kind}:${card.id}`, kind, card, items, reason: reason || null });
  voidTone();
}

function restoreCache() {
  try {
    const cached = JSON.parse(localStorage.getItem(CACHE_KEY) || 'null');
    if (!cached) return;
    Object.assign(state, { lastSeq: cached.lastSeq, timing: cached.timing, stationName: cached.stationName });
    cached.cards.forEach(upsert);
    (cached.notices || []).forEach((notice) => state.notices.set(notice.key, notice));
  } catch { /* a damaged cache is only a missed head start */ }
}

function saveCache() {
  localStorage.setItem(CACHE_KEY, JSON.stringify({ lastSeq: state.lastSeq, timing: state.timing,
    stationName: state.stationName, cards: [...state.cards.values(), ...state.bumped.values()],
    notices: [...state.notices.values()] }));
}

async function loadSnapshot() {
  try {
    // The seq first, the snapshot second: replaying from that seq may re-apply an event the
    // snapshot already shows (harmless: each carries the whole order), but never skips one.
    const config = await api('/api/v1/web/config', { token });
    const view = await api(`/api/v1/kds/${encodeURIComponent(station)}`, { token });
    performance.mark('kds-snapshot-fetched');
    state.timing = config.kds.per_station[station] || config.kds;
    state.clockOffsetMs = parseTime(config.now) - Date.now();
    state.stationName = config.stations.find((s) => s.id === station).name;
    state.cards.clear(); state.bumped.clear();
    [...view.tickets, ...view.recently_bumped].forEach(upsert);
    state.lastSeq = config.last_seq;
    const who = session();
    menu.configure(config, station, pairedDevice() ? 'staff' : who && who.user.role);
  } catch (error) {
    if (error.status === 401) { unauthorized(); return; }
    if (error.status === 404) { fatal(`There is no kitchen station called \u201c${station}\u201d.`); return; }
    // Offline: keep showing the cached state; the feed catches up from its seq when the box is back.
  }
  render();
  performance.mark('kds-snapshot-rendered');
  feed.start(state.lastSeq);
}

// -- actions (optimistic, queued until the box answers) -----------------------------------------
function markDone(card, item) {
  if (item.done || item.voided) return;
  item.done = true;
  card.status = 'in_progress';
  scheduleRender();
  outbox.push(`/api/v1/tickets/${card.id}/items/${item.id}/done`);
}

function bump(card) {
  const now = Date.now();
  if (now - lastBumpAt < BUMP_GUARD_MS) return;
  lastBumpAt = now;
  upsert({ ...card, status: 'ready', bumped_at: new Date(now + state.clockOffsetMs).toISOString(),
    bumped_seq: state.lastSeq + 0.5 }); // newest in the recall list until the box's event comes
  scheduleRender();
  outbox.push(`/api/v1/tickets/${card.id}/bump`);
}

function recall(card) {
  lastBumpAt = 0; // a deliberate action since: the next header tap is not a double tap
  upsert({ ...card, status: 'in_progress', bumped_at: null, bumped_seq: null });
  recallPanel.hidden = true;
  scheduleRender();
  outbox.push(`/api/v1/tickets/${card.id}/recall`);
}

function acknowledge(notice) {
  state.notices.delete(notice.key);
  scheduleRender();
}

function turn(delta) {
  state.page += delta;
  state.showSelected = false;
  scheduleRender();
}

function openCards() { return [...state.cards.values()].sort(oldestFirst); }

// -- drawing ----------------------------------------------------------------------------------
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  setTimeout(() => { renderQueued = false; render(); }, 0);
}

// Timed (performance.measure 'kds-render'): bench/kds_render.py reads it.
function render() {
  const started = performance.now();
  // The page on screen first; the rest of the cards (page count, later pages) right after.
  if (!draw({ pagesWanted: state.showSelected ? Infinity : state.page + 1 })) setTimeout(() => draw({}), 0);
  performance.measure('kds-render', { start: started, end: performance.now() });
  if (state.cards.size && !performance.getEntriesByName('kds-first-cards').length) performance.mark('kds-first-cards');
}

function draw({ pagesWanted = Infinity }) {
  title.textContent = state.stationName;
  const cards = openCards();
  if (state.selected && !state.cards.has(state.selected)) state.selected = null; // bumped: nothing selected
  blocks.forget();
  const notices = [...state.notices.values()];
  const placed = { length: notices.length + cards.length, // built as the layout reaches them
    at: (i) => (i < notices.length ? blocks.noticeBlock(notices[i]) : blocks.cardBlock(cards[i - notices.length])) };
  grid.replaceChildren();
  lastGridHeight = grid.clientHeight; lastGridWidth = grid.clientWidth;
  grid.classList.remove('scrolling');
  const { columns, perPage, colWidth, scroll, complete } = layoutColumns(grid, placed,
    { minWidth: COLUMN_MIN_PX, gap: COLUMN_GAP_PX, marker: continuedMarker, pagesWanted });
  grid.style.setProperty('--col-width', `${colWidth}px`);
  grid.classList.toggle('scrolling', scroll);
  state.scroll = scroll;
  state.pages = Math.max(1, Math.ceil(columns.length / perPage) + (complete ? 0 : 1));
  state.pagesKnown = complete;
  if (state.showSelected && state.selected) state.page = pageOf(columns, perPage, state.selected);
  state.page = Math.min(Math.max(state.page, 0), state.pages - 1);
  const shown = columns.slice(state.page * perPage, (state.page + 1) * perPage);
  grid.replaceChildren(...(placed.length ? shown.map((column) => h('div', { class: 'kds-col' }, column))
    : [h('p', { class: 'empty' }, 'No open tickets')]));
  numberPositions();
  if (scroll && state.showSelected && state.selected) {
    const chosen = grid.querySelector(`article[data-ticket="${CSS.escape(state.selected)}"]`);
    if (chosen) chosen.scrollIntoView({ block: 'nearest' });
  }
  openCount.textContent = `${cards.length} open`;
  labelPage();
  prev.hidden = next.hidden = scroll;
  prev.disabled = state.page === 0;
  next.disabled = state.page >= state.pages - 1;
  allDayList.replaceChildren(...allDay(cards).map(({ name, quantity }) =>
    h('li', {}, h('span', {}, name), h('strong', {}, String(quantity)))));
  renderRecall();
  tick();
  if (complete) saveCache();
  return complete;
}

// "Page 2/5 \u00b7 31 off screen": a ticket is off screen when no part of it is in view (on a
// phone, scrolled out of view).
function labelPage() {
  const view = grid.getBoundingClientRect();
  const seen = new Set([...grid.querySelectorAll('article[data-ticket]')].filter((article) => {
    const box = article.getBoundingClientRect();
    return box.bottom > view.top && box.top < view.bottom;
  }).map((article) => article.dataset.ticket));
  const offScreen = state.cards.size - [...state.cards.keys()].filter((id) => seen.has(id)).length;
  const where = state.scroll ? 'Scroll' : `Page ${state.page + 1}/${state.pagesKnown ? state.pages : '\u2026'}`;
  pageLabel.textContent = `${where}${offScreen ? ` \u00b7 ${offScreen} off screen` : ''}`;
}

function pageOf(columns, perPage, ticketId) {
  const index = columns.findIndex((column) => column.some((article) => article.dataset.ticket === ticketId));
  return index < 0 ? state.page : Math.floor(index / perPage);
}

// Number keys 1-9 bump the ticket at that position: the first nine whose header is on screen.
function numberPositions() {
  const heads = [...grid.querySelectorAll('article[data-first="yes"][data-ticket]')];
  state.positions = heads.map((article) => article.dataset.ticket);
  heads.forEach((article, index) => {
    article.querySelector('.slot').textContent = index < 9 ? String(index + 1) : '';
  });
}

function renderRecall() {
  if (recallPanel.hidden) return;
  const nowMs = Date.now() + state.clockOffsetMs;
  const recent = [...state.bumped.values()].filter((card) => isRecallable(card, nowMs))
    .sort(lastBumpedFirst).slice(0, RECALL_LIMIT);
  recallList.replaceChildren(...(recent.length ? recent.map((card) => h('li', {},
    h('button', { type: 'button', onclick: () => recall(card) },
      `#${card.number} ${orderLabel(card)} \u2014 bumped ${elapsedText((nowMs - parseTime(card.bumped_at)) / 1000)} ago`)))
    : [h('li', {}, 'Nothing bumped in the last 15 minutes.')]));
}

// Ageing: the timer, the colour AND a text cue (colour alone fails colour-blind cooks). A card
// whose level changes is laid out again: its header grew a line.
function tick() {
  const nowMs = Date.now() + state.clockOffsetMs;
  for (const article of grid.querySelectorAll('article[data-ticket]')) {
    const seconds = (nowMs - parseTime(article.dataset.fired)) / 1000;
    article.querySelector('.timer').textContent = Number.isFinite(seconds) ? elapsedText(seconds) : '';
    const level = Number.isFinite(seconds) ? ageLevel(seconds, state.timing) : 'fresh';
    if (level !== state.levels.get(article.dataset.ticket)) scheduleRender();
  }
}

// -- start ------------------------------------------------------------------------------------
function fatal(message) {
  feed && feed.stop();
  grid.replaceChildren(h('p', { class: 'empty', role: 'alert' }, message));
}

// The box refused a tap (another tablet got there first, say): show why and reload its truth.
function rejected(error) {
  toast(error.message, { error: true, ms: 4000 });
  loadSnapshot();
}

function unauthorized() {
  const paired = pairedDevice();
  if (paired && paired.device.station === station) clearPairedDevice();
  else clearSession();
  location.reload();
}

async function credentials() {
  const paired = pairedDevice();
  if (paired && paired.device.station === station) return paired.token;
  return (await ensureSession(['staff', 'admin'], `Log in to the ${station} screen`)).token;
}

async function main() {
  registerServiceWorker();
  layout();
  restoreCache();
  const loggedIn = Boolean(pairedDevice() || session());
  if (!loggedIn) render(); // behind the PIN pad
  token = await credentials();
  outbox = new Outbox(`edge.outbox.${station}`, { token: () => token, onChange: conn.setQueued,
    onUnauthorized: unauthorized, onRejected: rejected });
  conn.setQueued(outbox.pending.length);
  feed = new LiveFeed({ station, token: () => token, onEvent: applyEvent, onResync: loadSnapshot,
    onUnauthorized: unauthorized,
    onState: (online) => { conn.setOnline(online); menu.setOnline(online); if (online) outbox.flush(); } });
  const loading = loadSnapshot(); // its requests leave now...
  if (loggedIn) render(); // ...and the last known tickets show meanwhile
  await loading;
  setInterval(tick, 1000);
}

main();
