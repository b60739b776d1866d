// The kiosk: customers order for themselves. Categories, items with their choices (the box's
// min/max rules), a name to call, a total with tax, and the order number, big, at the end.
// Every guest is a login session of its own (the customer account is shared by every guest and
// sees only its own session's orders), so the kiosk logs in again for each guest with the PIN
// staff typed once when they set it up (kept for this browser tab only).
import { api, clearSession, saveSession, session, uuid4 } from './api.js';
import { h, money } from './dom.js';
import { IdleTimer } from './kiosk-idle.js';
import { chooseItem } from './kiosk-item.js';
import { orderBody, sameChoice } from './kiosk-cart.js';
import { alreadyTaken, guestMessage, kioskOutbox, nextOwner, ownerOf, pendingOf, refusedLine, sameGuest,
  tokenFor } from './kiosk-send.js';
import { askGuest, checkoutView, counterView, doneView, linesView, sendingOverlay, totalsView } from './kiosk-views.js';
import { LiveFeed } from './live.js';
import { ensureSession, KIOSK_PIN_KEY } from './login.js';
import { registerServiceWorker } from './shell.js';

const params = new URLSearchParams(location.search);
const seconds = (name, fallback) => Math.min(Math.max(Number(params.get(name)) || fallback, 2), 600);
const IDLE_MS = seconds('idle_s', 90) * 1000;
const COUNTDOWN_S = seconds('countdown_s', 20);
const DONE_S = seconds('done_s', 20);
const WAIT_S = seconds('wait_s', 45); // how long a guest waits for the box before being sent to the counter
const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

let pin = null;
let login = null;
let menu = { categories: [], items: [] };
let currency = 'USD';
let category = null;
let guest = freshGuest();
let screen = 'menu'; // menu | checkout | sending | counter | done
let itemDialog = null;
let doneTimer = null;
let waiting = null; // the order the guest at the kiosk waits for: { key, name, lines, overlay, timer }

const title = h('h1', { 'data-testid': 'k-title' }, 'Welcome');
const startOver = h('button', { type: 'button', class: 'k-secondary k-start-over', 'data-testid': 'k-start-over', hidden: true,
  onclick: async () => { if (await askGuest('Start over? Your order will be cleared.', 'Yes, start over', 'No, keep my order')) newGuest(); } },
'Start over');
const notice = h('p', { class: 'k-notice', role: 'status', 'aria-live': 'polite', 'data-testid': 'k-notice', hidden: true });
const body = h('main', { class: 'kiosk', 'data-testid': 'kiosk' });
const feed = new LiveFeed({ token: () => login.token, onEvent: applyEvent, onResync: loadMenu,
  onUnauthorized: () => { if (!waiting) newGuest(); } });
const idle = new IdleTimer({ idleMs: IDLE_MS, countdownS: COUNTDOWN_S, onTimeout: () => newGuest(),
  busy: () => screen === 'sending' || screen === 'done' || (screen === 'menu' && guest.lines.length === 0 && !dialogOpen()),
  ending: () => (screen === 'counter' ? 'Your order stays saved. This screen closes in' : 'Your order will be cleared in') });

const dialogOpen = () => Boolean(itemDialog && itemDialog.isConnected);

function freshGuest() {
  return { lines: [], name: '', type: 'dine_in', clientOrderId: uuid4() };
}

function say(text) {
  notice.textContent = text || '';
  notice.hidden = !text;
}

// -- screens ------------------------------------------------------------------------------------
function render() {
  if (screen === 'checkout' && guest.lines.length === 0) screen = 'menu'; // all of it sold out meanwhile
  if (screen === 'menu') body.replaceChildren(categoryRail(), itemGrid(), cartPanel());
  else if (screen === 'checkout') {
    body.replaceChildren(checkoutView(guest, currency, { rerender: render, place: () => send(),
      back: () => { screen = 'menu'; render(); } }));
  }
  body.className = `kiosk k-${screen}`;
  startOver.hidden = !(screen === 'menu' || screen === 'checkout') || guest.lines.length === 0;
}

const visibleItems = () => menu.items.filter((i) => i.available);

function categoryRail() {
  const present = new Set(visibleItems().map((i) => i.category_id));
  const categories = [...menu.categories].filter((c) => present.has(c.id)).sort((a, b) => a.position - b.position);
  if (!categories.some((c) => c.id === category)) category = categories[0] && categories[0].id;
  return h('nav', { class: 'k-cats', 'aria-label': 'Menu sections' }, categories.map((c) => h('button', { type: 'button',
    'aria-pressed': String(c.id === category), onclick: () => { category = c.id; render(); } }, c.name)));
}

function itemGrid() {
  const items = visibleItems().filter((i) => i.category_id === category).sort((a, b) => a.position - b.position);
  return h('section', { class: 'k-items', 'data-testid': 'k-items', 'aria-label': 'Items' }, items.map((item) => h('button', {
    type: 'button', class: 'k-item', 'data-testid': `k-item-${item.id}`,
    onclick: () => { itemDialog = chooseItem(item, currency, addLine); } },
  h('strong', {}, item.name), h('span', { class: 'k-price' }, money(item.price_cents, currency)))));
}

function addLine(line) {
  itemDialog = null;
  const same = guest.lines.find((l) => sameChoice(l, line));
  if (same) same.quantity = Math.min(same.quantity + line.quantity, 99); else guest.lines.push(line);
  say(''); render();
}

function changeQuantity(line, by) {
  line.quantity += by;
  if (line.quantity <= 0) guest.lines.splice(guest.lines.indexOf(line), 1);
  render();
}

function cartPanel() {
  const empty = guest.lines.length === 0;
  return h('aside', { class: 'k-cart', 'aria-label': 'Your order', 'data-testid': 'k-cart' },
    h('h2', {}, 'Your order'),
    empty ? h('p', { class: 'k-muted' }, 'Tap something you like to add it here.') : linesView(guest.lines, currency, changeQuantity),
    !empty && totalsView(guest.lines, currency),
    h('button', { type: 'button', class: 'primary k-big', 'data-testid': 'k-continue', disabled: empty,
      onclick: () => { screen = 'checkout'; say(''); render(); } }, 'Continue'));
}

function showDone(order) {
  screen = 'done';
  body.className = 'kiosk k-done';
  startOver.hidden = true;
  body.replaceChildren(doneView(order, currency, () => newGuest()));
  clearTimeout(doneTimer);
  doneTimer = setTimeout(() => newGuest(), DONE_S * 1000);
}

// -- sending: through the kiosk's outbox ------------------------------------------------------------
// In IndexedDB before it goes out, then sent until the box answers: the guest waits for the number,
// and after WAIT_S is sent to the counter with the name on the order while the kiosk keeps trying.
async function send() {
  if (waiting || !login) return; // a second tap on Place is the same order
  const order = orderBody(guest);
  waitFor(order.client_order_id, guest.name.trim(), guest.lines);
  try {
    await kioskOutbox.send(order, ownerOf(login));
  } catch { // the browser would not store it (IndexedDB refused): nothing was sent, say so
    const lines = waiting ? waiting.lines : guest.lines;
    stopWaiting();
    refused({ code: 'not_stored' }, lines);
  }
}

function waitFor(key, name, lines) {
  screen = 'sending';
  startOver.hidden = true;
  const sending = sendingOverlay(name);
  waiting = { key, name, lines, overlay: sending.overlay, timer: setTimeout(sendToCounter, WAIT_S * 1000),
    slow: setTimeout(sending.waiting, 3000) };
}

function stopWaiting() {
  if (!waiting) return;
  clearTimeout(waiting.timer); clearTimeout(waiting.slow);
  waiting.overlay.remove();
  waiting = null;
}

function sendToCounter() {
  waiting.overlay.remove();
  screen = 'counter';
  body.className = 'kiosk k-done';
  startOver.hidden = true;
  body.replaceChildren(counterView(waiting, currency, () => newGuest()));
  idle.arm();
}

function onOutboxChange(state, change) {
  if (!change) return;
  const { entry } = change;
  if (!sameGuest(entry.owner, login) && !state.pending.some((e) => sameGuest(e.owner, entry.owner))) endSession(entry.owner);
  if (!waiting || entry.key !== waiting.key) return; // that guest has gone: it went in (or not) quietly
  const { name, lines } = waiting;
  stopWaiting();
  if (change.type === 'answered') showDone(change.order);
  else if (alreadyTaken(change.error)) showDone({ customer_name: name || null });
  else refused(change.error, lines);
}

// The box took nothing: back to the order, which is a new one now (it will change): a new client_order_id.
function refused(refusal, lines) {
  const line = refusal.code === 'item_unavailable' && refusedLine(refusal, lines);
  if (line) lines.splice(lines.indexOf(line), 1);
  guest.clientOrderId = uuid4();
  screen = 'menu';
  say(guestMessage(refusal, [...lines, line].filter(Boolean)));
  render();
}

// A guest who left before their order went in: it goes out in their session (renewed), or the next one's.
async function entryUnauthorized(error, entry) {
  if (error.status !== 401 || sameGuest(entry.owner, login)) return; // this guest's own: the next login sends it
  const owner = await nextOwner(entry, login);
  if (!owner) return;
  await kioskOutbox.reown(entry.key, owner);
  kioskOutbox.flush();
}

// -- the live menu: an item that runs out vanishes at once, from the menu and from the order ------
function applyEvent(event) {
  if (event.type === 'menu.replaced') { loadMenu(); return; }
  if (event.type !== 'menu.item_updated') return;
  const updated = event.data.item;
  menu.items = menu.items.map((i) => (i.id === updated.id ? updated : i));
  menuChanged();
}

// The order follows the menu: new prices (the total stays the box's), and what can no longer be
// ordered as chosen leaves the order with a word to the guest. Not while it is being sent.
function menuChanged() {
  if (dialogOpen() && !menu.items.some((i) => i.id === itemDialog.dataset.item && i.available)) {
    itemDialog.remove(); itemDialog = null;
  }
  if (screen !== 'menu' && screen !== 'checkout') return;
  const gone = [];
  guest.lines = guest.lines.filter((line) => {
    const current = menu.items.find((i) => i.id === line.item.id);
    const choices = current && current.modifier_groups.flatMap((g) => g.modifiers);
    const modifiers = current && line.modifiers.map((m) => choices.find((c) => c.id === m.id));
    if (!current || !current.available || modifiers.includes(undefined)) { gone.push(line.item.name); return false; }
    Object.assign(line, { item: current, modifiers });
    return true;
  });
  const names = [...new Set(gone)];
  if (names.length) say(`Sorry, ${names.join(' and ')} ${names.length > 1 ? 'have' : 'has'} just sold out. We took ${names.length > 1 ? 'them' : 'it'} out of your order.`);
  render();
}

async function loadMenu() {
  const config = await api('/api/v1/web/config', { token: login.token }); // the seq BEFORE the menu
  menu = await api('/api/v1/menu', { token: login.token });
  currency = config.restaurant.currency;
  title.textContent = config.restaurant.name;
  menuChanged();
  feed.start(config.last_seq);
}

// -- guests ---------------------------------------------------------------------------------------
async function guestLogin() {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const fresh = await api('/api/v1/auth/login', { method: 'POST', body: { pin } });
      saveSession({ ...fresh, guest: uuid4() });
      return session();
    } catch (error) {
      if (error.status === 401 || error.status === 403 || error.status === 422) {
        sessionStorage.removeItem(KIOSK_PIN_KEY); // the PIN changed: staff must set the kiosk up again
        clearSession(); location.reload();
        return new Promise(() => {});
      }
      say('This kiosk is taking a short break. Please wait a moment\u2026');
      await sleep(Math.min(1000 * (attempt + 1), 5000));
    }
  }
}

// A guest whose order is still waiting keeps their session until it is sent (onOutboxChange ends it).
function endSession(ended) {
  if (!ended || pendingOf(ended).length > 0) return;
  api('/api/v1/auth/logout', { method: 'POST', body: { refresh_token: ended.refresh_token }, token: ended.token }).catch(() => {});
}

// The next guest: nothing of the last one stays on screen or in the session. One hand-over at a
// time (a timeout and a tap may ask at once): two would orphan a login session.
let handingOver = null;
function newGuest() {
  handingOver = handingOver || handOver().finally(() => { handingOver = null; });
  return handingOver;
}

async function handOver() {
  clearTimeout(doneTimer); idle.stop(); stopWaiting();
  if (itemDialog) { itemDialog.remove(); itemDialog = null; }
  document.querySelectorAll('.kiosk-overlay').forEach((o) => o.remove());
  feed.stop();
  if (pendingOf(login).length > 0) await keepForLater(login); // it stays in the outbox; a fresh cart
  endSession(login);
  login = null; // nobody's until the next guest's login (a waiting order goes out with its own tokens)
  guest = freshGuest(); screen = 'menu'; category = null; say('');
  render();
  login = await guestLogin();
  kioskOutbox.flush(); // what earlier guests left waiting goes out as soon as there is a session
  say('');
  await loadMenu().catch(() => feed.start(feed.lastSeq));
  idle.arm();
}

// The leaving guest's latest tokens go with their waiting orders (the kiosk stops renewing them).
async function keepForLater(leaving) {
  await Promise.all(pendingOf(leaving).map((entry) => kioskOutbox.reown(entry.key, ownerOf(leaving))));
}

async function main() {
  registerServiceWorker();
  document.body.classList.add('kiosk-page');
  document.head.append(h('link', { rel: 'stylesheet', href: '/web/css/kiosk.css' }));
  document.body.append(h('header', { class: 'k-bar' }, title, h('span', { class: 'spacer' }), startOver), notice, body);
  // Orders left in the outbox (a reload, a browser restart) go out at once, each in its guest's session.
  await kioskOutbox.refresh();
  kioskOutbox.subscribe(onOutboxChange);
  pin = sessionStorage.getItem(KIOSK_PIN_KEY);
  const leftover = session(); // a reload: the guest before may be gone, so start afresh...
  login = pin && leftover && leftover.user.role === 'customer' && leftover.guest ? leftover : null;
  const [mine] = pendingOf(login);
  if (mine) { // ...unless their order is on its way: same session, the same entry, the guest waits
    Object.assign(guest, { clientOrderId: mine.client_order_id, name: mine.body.customer_name || '' });
    waitFor(mine.key, guest.name, []);
  }
  await kioskOutbox.configure({ token: (entry) => tokenFor(entry, login), onUnauthorized: entryUnauthorized });
  if (!pin) {
    clearSession(); // set-up: staff type the kiosk's PIN once; it is kept for this tab only
    login = await ensureSession(['customer'], 'Set up this kiosk: enter its PIN');
    saveSession(Object.assign(login, { guest: uuid4() })); // the first guest's session
    pin = sessionStorage.getItem(KIOSK_PIN_KEY);
    kioskOutbox.flush();
    await loadMenu().catch(() => feed.start(0));
    idle.arm();
    return;
  }
  if (mine) {
    loadMenu().catch(() => feed.start(feed.lastSeq));
    return;
  }
  await newGuest();
}

main();
