// A station's kitchen display: tickets oldest first, tap an item = done, tap the header = bump.
import { api, clearPairedDevice, clearSession, Outbox, pairedDevice } from './api.js';
import { elapsedText, h, parseTime, toast } from './dom.js';
import { LiveFeed } from './live.js';
import { ensureSession } from './login.js';
import { connectionIndicator, orderLabel, registerServiceWorker } from './shell.js';
import { AGE_CUE, ageLevel, allDay, cardsFromOrder, isActive, isRecallable, lastBumpedFirst, oldestFirst,
  RECALL_LIMIT, withSeqs } from './tickets.js';

const station = decodeURIComponent(location.pathname.split('/')[2] || '');
const CACHE_KEY = `edge.kds.${station}`;
const DEFAULT_TIMING = { warn_after_s: 300, late_after_s: 480 };
const BUMP_GUARD_MS = 600; // a double tap must not bump the card that slides into place

const state = { cards: new Map(), bumped: new Map(), lastSeq: 0, page: 0, timing: DEFAULT_TIMING,
  clockOffsetMs: 0, stationName: station };
let token = null;
let feed = null;
let outbox = null;
let audio = null;
let lastBumpAt = 0;
let renderQueued = false;

const conn = connectionIndicator();
const grid = h('main', { class: 'tickets', 'data-testid': 'tickets' });
const title = h('h1', {}, station);
const openCount = h('span', { class: 'who', 'data-testid': 'open-count' });
const pageLabel = h('span', { class: 'who', 'data-testid': 'page' });
const prev = h('button', { type: 'button', 'aria-label': 'Previous page', onclick: () => turn(-1) }, '\u25c0');
const next = h('button', { type: 'button', 'aria-label': 'Next page', onclick: () => turn(1) }, '\u25b6');
const allDayList = h('ul', { class: 'allday', 'data-testid': 'all-day' });
const allDayPanel = h('aside', { class: 'side', hidden: true }, h('h2', {}, 'All day'), allDayList,
  h('button', { type: 'button', onclick: () => { allDayPanel.hidden = true; } }, 'Close'));
const recallList = h('ul', { class: 'recall-list', 'data-testid': 'recall-list' });
const recallPanel = h('aside', { class: 'side', hidden: true }, h('h2', {}, 'Recall a bumped ticket'), recallList,
  h('button', { type: 'button', onclick: () => { recallPanel.hidden = true; } }, 'Close'));
const soundHint = h('div', { class: 'hint' }, 'Tap anywhere to turn on the new-ticket sound.');

function layout() {
  document.body.append(
    h('header', { class: 'bar' }, title, openCount, h('span', { class: 'spacer' }),
      h('button', { type: 'button', onclick: () => toggle(allDayPanel) }, 'All day'),
      h('button', { type: 'button', onclick: () => toggle(recallPanel) }, 'Recall'),
      prev, pageLabel, next, conn.indicator),
    conn.banner, soundHint, grid, allDayPanel, recallPanel);
  document.addEventListener('pointerdown', unlockAudio, { once: true });
  window.addEventListener('resize', scheduleRender);
}

function toggle(panel) {
  const show = panel.hidden;
  allDayPanel.hidden = true; recallPanel.hidden = true;
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
  const order = event.data && event.data.order;
  for (const built of order ? cardsFromOrder(order, station) : []) {
    const known = state.cards.get(built.id) || state.bumped.get(built.id);
    upsert(withSeqs(built, event, known));
    if ((event.type === 'order.fired' || event.type === 'order.items_added') && !known) chime();
  }
  scheduleRender();
}

function restoreCache() {
  try {
    const cached = JSON.parse(localStorage.getItem(CACHE_KEY) || 'null');
    if (!cached) return;
    Object.assign(state, { lastSeq: cached.lastSeq, timing: cached.timing, stationName: cached.stationName });
    cached.cards.forEach(upsert);
  } catch { /* a damaged cache is only a missed head start */ }
}

function saveCache() {
  localStorage.setItem(CACHE_KEY, JSON.stringify({ lastSeq: state.lastSeq, timing: state.timing,
    stationName: state.stationName, cards: [...state.cards.values(), ...state.bumped.values()] }));
}

async function loadSnapshot() {
  try {
    // The seq first, the snapshot second: replaying from that seq may re-apply an event the
    // snapshot already shows (harmless: each carries the whole order), but never skips one.
    const config = await api('/api/v1/web/config', { token });
    const view = await api(`/api/v1/kds/${encodeURIComponent(station)}`, { token });
    state.timing = config.kds.per_station[station] || config.kds;
    state.clockOffsetMs = parseTime(config.now) - Date.now();
    state.stationName = config.stations.find((s) => s.id === station).name;
    state.cards.clear(); state.bumped.clear();
    [...view.tickets, ...view.recently_bumped].forEach(upsert);
    state.lastSeq = config.last_seq;
  } catch (error) {
    if (error.status === 401) { unauthorized(); return; }
    if (error.status === 404) { fatal(`There is no kitchen station called \u201c${station}\u201d.`); return; }
    // Offline: keep showing the cached state; the feed catches up from its seq when the box is back.
  }
  scheduleRender();
  feed.start(state.lastSeq);
}

// -- actions (optimistic, queued until the box answers) -----------------------------------------
function markDone(card, item) {
  if (item.done) return;
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

function turn(delta) {
  state.page += delta;
  scheduleRender();
}

// -- drawing ----------------------------------------------------------------------------------
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  setTimeout(() => { renderQueued = false; render(); }, 0);
}

function pageShape() {
  const width = grid.clientWidth || window.innerWidth;
  const height = grid.clientHeight || window.innerHeight;
  return { cols: Math.max(1, Math.floor(width / 250)), rows: height >= 900 ? 2 : 1 };
}

function render() {
  title.textContent = state.stationName;
  const cards = [...state.cards.values()].sort(oldestFirst);
  const { cols, rows } = pageShape();
  const perPage = cols * rows;
  const pages = Math.max(1, Math.ceil(cards.length / perPage));
  state.page = Math.min(Math.max(state.page, 0), pages - 1);
  grid.style.setProperty('--cols', cols);
  grid.style.setProperty('--rows', rows);
  const shown = cards.slice(state.page * perPage, (state.page + 1) * perPage);
  grid.replaceChildren(...(shown.length ? shown.map(cardView) : [h('p', { class: 'empty' }, 'No open tickets')]));
  openCount.textContent = `${cards.length} open`;
  pageLabel.textContent = `Page ${state.page + 1}/${pages}`;
  prev.disabled = state.page === 0;
  next.disabled = state.page >= pages - 1;
  allDayList.replaceChildren(...allDay(cards).map(({ name, quantity }) =>
    h('li', {}, h('span', {}, name), h('strong', {}, String(quantity)))));
  renderRecall();
  tick();
  saveCache();
}

function cardView(card) {
  return h('article', { class: 'card', 'data-testid': 'ticket', dataset: { ticket: card.id, fired: card.fired_at || '' } },
    h('button', { type: 'button', class: 'card-head', onclick: () => bump(card), 'aria-label': `Bump order ${card.number}` },
      h('span', { class: 'timer' }), h('span', { class: 'num' }, `#${card.number}`),
      h('span', { class: 'where' }, orderLabel(card)), h('span', { class: 'cue' }),
      card.amendment === 'added' && h('span', { class: 'added', 'data-testid': 'added-badge' }, 'ADDED')),
    h('ol', { class: 'items' }, card.items.map((item) => h('li', {},
      h('button', { type: 'button', class: item.done ? 'item done' : 'item', 'aria-pressed': String(item.done),
        'data-testid': 'item', onclick: () => markDone(card, item) },
        h('span', { class: 'qty' }, `${item.quantity}\u00d7`), item.name,
        item.modifiers.length > 0 && h('span', { class: 'mods' }, item.modifiers.join(', ')),
        item.notes && h('span', { class: 'note' }, item.notes))))),
    card.notes && h('p', { class: 'order-note' }, card.notes));
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

// Ageing: the timer, the colour AND a text cue (colour alone fails colour-blind cooks).
function tick() {
  const nowMs = Date.now() + state.clockOffsetMs;
  for (const article of grid.querySelectorAll('article.card')) {
    const seconds = (nowMs - parseTime(article.dataset.fired)) / 1000;
    const level = Number.isFinite(seconds) ? ageLevel(seconds, state.timing) : 'fresh';
    article.classList.toggle('warn', level === 'warn');
    article.classList.toggle('late', level === 'late');
    article.dataset.age = level;
    article.querySelector('.timer').textContent = Number.isFinite(seconds) ? elapsedText(seconds) : '';
    article.querySelector('.cue').textContent = AGE_CUE[level];
  }
}

// -- sound ------------------------------------------------------------------------------------
function unlockAudio() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  audio = new Context();
  audio.resume();
  soundHint.hidden = true;
}

function chime() {
  if (!audio) return;
  const start = audio.currentTime;
  [0, 0.18].forEach((offset) => {
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 988;
    gain.gain.setValueAtTime(0.25, start + offset);
    gain.gain.exponentialRampToValueAtTime(0.001, start + offset + 0.15);
    tone.connect(gain).connect(audio.destination);
    tone.start(start + offset);
    tone.stop(start + offset + 0.16);
  });
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
  render();
  token = await credentials();
  outbox = new Outbox(`edge.outbox.${station}`, { token: () => token, onChange: conn.setQueued,
    onUnauthorized: unauthorized, onRejected: rejected });
  conn.setQueued(outbox.pending.length);
  feed = new LiveFeed({ station, token: () => token, onEvent: applyEvent, onResync: loadSnapshot,
    onUnauthorized: unauthorized,
    onState: (online) => { conn.setOnline(online); if (online) outbox.flush(); } });
  await loadSnapshot();
  setInterval(tick, 1000);
}

main();
