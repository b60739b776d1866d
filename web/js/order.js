// Order entry: menu by category, modifiers within their min/max, a summary with totals, send.
// Send puts the order in the outbox (IndexedDB, outbox.js): it is sent until the box answers and
// survives a reload. From then on the cart IS that order: new lines go as "add items" (fired as
// an ADDED ticket) and removing a sent line is a void with a reason, never a resend.
import { api, pairedDevice, uuid4 } from './api.js';
import { elapsedText, h, money, parseTime, toast } from './dom.js';
import { LiveFeed } from './live.js';
import { ensureSession, logout } from './login.js';
import { chooseItem } from './item-dialog.js';
import { boundOrderLines, describeRequestLine, draftAmount, entryLabel, orderWhere, totals } from './order-lines.js';
import { orderOutbox } from './outbox.js';
import { connectionIndicator, registerServiceWorker } from './shell.js';
import { VoicePanel } from './voice-panel.js';

const DRAFT_KEY = 'edge.order-draft';
const MENU_KEY = 'edge.menu-cache';
const VOID_REASONS = ['Guest changed their mind', 'Entered by mistake', 'Not available'];

let login = null;
let menu = { categories: [], items: [] };
let currency = 'USD';
let category = null;
let feed = null;
let menuFromCache = false;
let outbox = { pending: [], reachable: null };
const knownOrders = new Map(); // client_order_id -> the box's last answer
// The cart: lines not sent yet, the order's details, and `active`: the order it is bound to.
const draft = Object.assign({ lines: [], type: 'dine_in', table: '', name: '', notes: '', active: null },
  readJson(DRAFT_KEY));

const conn = connectionIndicator({
  offline: (queued) => `The box cannot be reached. Orders are kept on this tablet and sent when it answers${
    queued ? ` (${queued} waiting)` : ''}.`,
  sending: (queued) => `Sending ${queued} waiting order(s) to the box\u2026`,
});
const tabs = h('nav', { class: 'tabs', 'aria-label': 'Categories' });
const grid = h('div', { class: 'menu-grid', 'data-testid': 'menu' });
const cartPanel = h('section', { class: 'cart', 'aria-label': 'Order summary', 'data-testid': 'cart' });
const queuePanel = h('div', { class: 'queue', 'data-testid': 'outbox', hidden: true, 'aria-live': 'polite' });

function readJson(key) {
  try { return JSON.parse(localStorage.getItem(key) || 'null'); } catch { return null; }
}
function saveDraft() { localStorage.setItem(DRAFT_KEY, JSON.stringify(draft)); }
const menuItems = () => new Map(menu.items.map((i) => [i.id, i]));

// -- menu -------------------------------------------------------------------------------------
function renderMenu() {
  const categories = [...menu.categories].sort((a, b) => a.position - b.position);
  if (!category || !categories.some((c) => c.id === category)) category = categories[0] && categories[0].id;
  tabs.replaceChildren(...categories.map((c) => h('button', { type: 'button', 'aria-pressed': String(c.id === category),
    onclick: () => { category = c.id; renderMenu(); } }, c.name)));
  const items = menu.items.filter((i) => i.category_id === category).sort((a, b) => a.position - b.position);
  if (menu.items.length === 0) {
    grid.replaceChildren(h('p', { class: 'hint' }, 'No menu on this tablet yet: it appears as soon as the box answers.'));
    return;
  }
  grid.replaceChildren(...items.map((item) => h('button', { type: 'button', class: 'menu-item', disabled: !item.available,
    'data-testid': `menu-item-${item.id}`, onclick: () => chooseItem(item, currency, addLine) },
  h('strong', {}, item.name), h('span', { class: 'price' }, money(item.price_cents, currency)),
  !item.available && h('span', { class: 'eighty-six' }, "86'd \u2014 not available"))));
}

function addLine(line) {
  draft.lines.push(line);
  saveDraft(); renderCart();
}

// -- the cart -------------------------------------------------------------------------------------
function lineView(what, details, amount, { testid = 'line', state = null, action = null } = {}) {
  return h('li', { class: state || '', 'data-testid': testid },
    h('span', { class: 'what' }, what, details.filter(Boolean).map((text) => h('small', {}, text))),
    h('span', { class: 'amount' }, money(amount, currency)), action);
}

function renderCart() {
  const items = menuItems();
  const active = draft.active;
  const known = active && knownOrders.get(active.client_order_id);
  const bound = active ? boundOrderLines(active, known, outbox.pending, items) : { sent: [], queued: [] };
  const closed = Boolean(known && ['voided', 'completed'].includes(known.status)); // nothing more to add
  const sentRows = bound.sent.map(({ item, voiding }) => lineView(`${item.quantity}\u00d7 ${item.name}`,
    [item.modifiers.map((m) => m.name).join(', '), item.notes,
      item.voided_at ? `voided: ${item.void_reason}` : (voiding ? (closed ? 'voided' : 'void waiting for the box') : 'sent')],
    item.line_total_cents, { testid: 'sent-line', state: item.voided_at || voiding ? 'voided' : 'sent',
      action: !item.voided_at && !voiding && !closed && h('button', { type: 'button', 'aria-label': `Void ${item.name}`,
        onclick: () => askVoid(item) }, '\u00d7') }));
  const queuedRows = bound.queued.map((line) => lineView(`${line.quantity}\u00d7 ${line.name}`,
    [line.modifiers.join(', '), line.notes, 'waiting for the box'], line.amount, { testid: 'queued-line', state: 'queued' }));
  const draftRows = draft.lines.map((line, index) => {
    const available = items.get(line.item.id);
    const off = available && available.available === false;
    return lineView(`${line.quantity}\u00d7 ${line.item.name}`,
      [line.modifiers.map((m) => m.name).join(', '), line.notes, off && "86'd: remove it", active && 'not sent yet'],
      draftAmount(line), { state: off ? 'unavailable' : 'draft', action: h('button', { type: 'button',
        'aria-label': `Remove ${line.item.name}`, onclick: () => { draft.lines.splice(index, 1); saveDraft(); renderCart(); } }, '\u00d7') });
  });
  const parts = [
    ...bound.sent.filter((s) => !s.item.voided_at && !s.voiding).map((s) => ({ amount: s.item.line_total_cents, rate: s.item.tax_rate_bp })),
    ...bound.queued, ...draft.lines.map((l) => ({ amount: draftAmount(l), rate: l.item.tax_rate_bp })),
  ];
  const { subtotal, tax, total } = totals(parts);
  const blocked = draft.lines.some((l) => items.get(l.item.id) && items.get(l.item.id).available === false);
  cartPanel.replaceChildren(
    h('div', { class: 'cart-head' }, active ? activeHeading(active, known) : detailsForm()),
    h('div', { class: 'cart-body' },
      h('ul', { class: 'lines', 'data-testid': 'lines' }, sentRows, queuedRows, draftRows),
      !active && notesField()),
    h('div', { class: 'cart-foot' }, queuePanel,
      h('div', { class: 'totals', 'data-testid': 'totals' },
        h('span', {}, 'Subtotal'), h('span', {}, money(subtotal, currency)),
        h('span', {}, 'Tax'), h('span', {}, money(tax, currency)),
        h('span', { class: 'grand' }, 'Total'), h('span', { class: 'grand', 'data-testid': 'total' }, money(total, currency))),
      h('div', { class: 'send-row' },
        active && h('button', { type: 'button', 'data-testid': 'new-order', disabled: draft.lines.length > 0 && !closed,
          title: draft.lines.length && !closed ? 'Send or remove the new lines first' : '', onclick: newOrder }, 'New order'),
        h('button', { type: 'button', class: 'primary', 'data-testid': 'send', disabled: draft.lines.length === 0 || blocked || closed,
          onclick: active ? sendAdditions : sendOrder }, active ? 'Send additions' : 'Send to kitchen'))));
  renderQueue();
}

function activeHeading(active, known) {
  const voided = known && known.status === 'voided';
  return [h('h2', { 'data-testid': 'order-title' }, known ? `Order #${known.number}${voided ? ' \u2014 VOIDED' : ''}`
    : 'Order (waiting for the box)'),
  h('p', { class: 'where' }, orderWhere(active), voided && known.void_reason ? ` \u00b7 ${known.void_reason}` : '')];
}

function detailsForm() {
  const field = (label, key, max, testid) => h('label', {}, h('span', {}, label), h('input', { type: 'text', maxlength: max,
    value: draft[key], 'data-testid': testid, oninput: (e) => { draft[key] = e.target.value; saveDraft(); } }));
  return [h('h2', {}, 'New order'),
    h('div', { class: 'segmented' }, ['dine_in', 'takeout'].map((type) => h('button', { type: 'button',
      'aria-pressed': String(draft.type === type), onclick: () => { draft.type = type; saveDraft(); renderCart(); } },
    type === 'dine_in' ? 'Dine in' : 'Takeout'))),
    h('div', { class: 'fields' }, draft.type === 'dine_in' ? field('Table', 'table', 20, 'table') : null,
      field(draft.type === 'dine_in' ? 'Name (optional)' : 'Name', 'name', 60, 'customer-name'))];
}

function notesField() {
  const notes = h('textarea', { maxlength: 500, oninput: (e) => { draft.notes = e.target.value; saveDraft(); } });
  notes.value = draft.notes;
  return h('label', {}, h('span', {}, 'Order notes'), notes);
}

function renderQueue() {
  const { pending } = outbox;
  queuePanel.hidden = pending.length === 0;
  const byOrder = (entry) => knownOrders.get(entry.client_order_id);
  queuePanel.replaceChildren(
    h('strong', {}, `Waiting for the box: ${pending.length}`),
    h('small', {}, 'Kept on this tablet and sent as soon as the box answers.'),
    h('ul', {}, pending.map((entry) => h('li', { 'data-testid': 'queued-entry' },
      h('span', {}, entryLabel(entry, byOrder(entry))),
      h('span', { class: 'age' }, elapsedText((Date.now() - parseTime(entry.queued_at)) / 1000))))));
  conn.setQueued(pending.length);
}

// -- sending: always through the outbox --------------------------------------------------------
const requestLines = (lines) => lines.map((l) => ({ menu_item_id: l.item.id, quantity: l.quantity,
  modifier_ids: l.modifiers.map((m) => m.id), notes: l.notes }));

// One tap, one order: the cart moves on (its lines out, bound to the order) before anything is
// awaited, so a second tap finds nothing to send. Should the tablet fail to store the entry, the
// lines come back with the reason.
async function sendOrder() {
  if (draft.lines.length === 0) return;
  const kept = { ...draft, lines: [...draft.lines] };
  const body = {
    client_order_id: draft.clientOrderId || uuid4(), type: draft.type, table: draft.type === 'dine_in' && draft.table.trim() || null,
    customer_name: draft.name.trim() || null, notes: draft.notes.trim() || null, items: requestLines(draft.lines),
  };
  Object.assign(draft, { lines: [], table: '', name: '', notes: '', clientOrderId: null,
    active: { client_order_id: body.client_order_id, type: body.type, table: body.table, customer_name: body.customer_name } });
  saveDraft(); renderCart();
  await keepOrRestore(() => orderOutbox.send(body), kept);
}

async function sendAdditions() {
  if (draft.lines.length === 0) return;
  const kept = { ...draft, lines: [...draft.lines] };
  const body = { amendment_id: uuid4(), items: requestLines(draft.lines) };
  draft.lines = [];
  saveDraft(); renderCart();
  await keepOrRestore(() => orderOutbox.addItems(kept.active.client_order_id, body), kept);
}

async function keepOrRestore(enqueue, kept) {
  try {
    await enqueue();
  } catch (error) {
    Object.assign(draft, kept);
    saveDraft(); renderCart();
    toast(`This tablet could not keep the order (${error.message}); it is back in the cart.`, { error: true, ms: 8000 });
  }
}

function newOrder() {
  draft.active = null;
  saveDraft(); renderCart();
}

// Voiding the last item left is voiding the order (the box refuses an order with no items).
function askVoid(item) {
  const known = knownOrders.get(draft.active.client_order_id);
  const wholeOrder = known.items.filter((i) => !i.voided_at).length === 1;
  const other = h('input', { type: 'text', maxlength: 200, placeholder: 'Other reason' });
  const close = () => overlay.remove();
  const voidWith = (reason) => {
    if (!reason.trim()) { other.focus(); return; }
    close();
    const clientOrderId = draft.active.client_order_id;
    const queued = wholeOrder ? orderOutbox.voidOrder(clientOrderId, uuid4(), { reason: reason.trim() })
      : orderOutbox.voidItems(clientOrderId, { amendment_id: uuid4(), item_ids: [item.id], reason: reason.trim() });
    queued.then(renderCart);
  };
  const title = wholeOrder ? `Void the whole order #${known.number}?` : `Void ${item.quantity}\u00d7 ${item.name}?`;
  const overlay = h('div', { class: 'overlay' }, h('div', { class: 'dialog', role: 'dialog', 'aria-label': title },
    h('h2', {}, title),
    h('p', {}, wholeOrder ? `${item.name} is all that is left on it. The kitchen is told. Why?`
      : 'The kitchen is told and it leaves the bill. Why?'),
    h('div', { class: 'choices' }, VOID_REASONS.map((reason) => h('button', { type: 'button', onclick: () => voidWith(reason) }, reason))),
    h('label', {}, h('span', {}, 'Other reason'), other),
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: close }, 'Keep it'),
      h('button', { type: 'button', class: 'danger', onclick: () => voidWith(other.value) }, 'Void with this reason'))));
  document.body.append(overlay);
}

// What the box said about an entry: a toast, and a refused order's lines back in the cart.
function onOutboxChange(state, change) {
  const sameQueue = state.pending.map((e) => e.key).join() === outbox.pending.map((e) => e.key).join();
  outbox = state;
  conn.setReachable(state.reachable);
  if (!change && sameQueue) { renderQueue(); return; } // a retry: keep the cart (and its focus) as it is
  if (change && change.type === 'answered') {
    knownOrders.set(change.entry.client_order_id, change.order);
    const number = `#${change.order.number}`;
    toast({ order: `Order ${number} sent to the kitchen`, add: `Added to order ${number}: sent to the kitchen`,
      void: `Voided on order ${number}`, 'void-order': `Order ${number} voided` }[change.entry.kind]);
  } else if (change && change.type === 'rejected') {
    refused(change.entry, change.error);
  }
  renderCart();
}

function refused(entry, error) {
  const where = entry.kind === 'order' ? orderWhere(entry.body) : 'a change';
  toast(`The box refused ${where}: ${error.message}`, { error: true, ms: 8000 });
  if (entry.kind === 'void') return;
  const items = menuItems();
  const back = entry.body.items.filter((line) => items.has(line.menu_item_id)).map((line) => {
    const item = items.get(line.menu_item_id);
    const modifiers = item.modifier_groups.flatMap((g) => g.modifiers).filter((m) => line.modifier_ids.includes(m.id));
    return { item, modifiers, quantity: line.quantity, notes: line.notes };
  });
  draft.lines.push(...back); // to fix (e.g. an 86'd item) and send again, as a new order or addition
  if (entry.kind === 'order' && draft.active && draft.active.client_order_id === entry.client_order_id) {
    Object.assign(draft, { active: null, type: entry.body.type, table: entry.body.table || '',
      name: entry.body.customer_name || '', notes: entry.body.notes || '' });
  }
  saveDraft();
}

// -- voice: a draft's Edit makes it the cart (a new order); Send then uses the draft's id as its
// client_order_id, so an edited draft and a confirmed one can never both become orders.
let voice = null;
function loadVoiceDraft(id, spoken) {
  const items = menuItems();
  const lines = spoken.items.filter((line) => items.has(line.menu_item_id)).map((line) => {
    const item = items.get(line.menu_item_id);
    const modifiers = item.modifier_groups.flatMap((g) => g.modifiers).filter((m) => line.modifier_ids.includes(m.id));
    return { item, modifiers, quantity: line.quantity, notes: line.notes };
  });
  Object.assign(draft, { lines, type: spoken.type, table: spoken.table || '', name: '', notes: '', active: null,
    clientOrderId: id });
  saveDraft(); renderCart();
}

// -- the box --------------------------------------------------------------------------------------
function applyEvent(event) {
  if (voice && event.type.startsWith('voice.')) voice.onEvent(event);
  if (event.type === 'menu.item_updated') {
    const updated = event.data.item;
    menu.items = menu.items.map((i) => (i.id === updated.id ? updated : i));
    renderMenu(); renderCart();
  } else if (event.type === 'menu.replaced') {
    loadMenu();
  } else if (event.data && event.data.order && knownOrders.has(event.data.order.client_order_id)) {
    knownOrders.set(event.data.order.client_order_id, event.data.order); // voids from elsewhere too
    renderCart();
  }
}

async function loadMenu() {
  try {
    // The seq before the menu: an 86 landing in between is replayed, never lost.
    const config = await api('/api/v1/web/config', { token: login.token });
    menu = await api('/api/v1/menu', { token: login.token });
    currency = config.restaurant.currency; menuFromCache = false;
    localStorage.setItem(MENU_KEY, JSON.stringify({ menu, currency, last_seq: config.last_seq }));
    renderMenu(); renderCart();
    feed.start(config.last_seq);
  } catch (error) {
    if (error.status === 401) { logout(); return; }
    if (error.offline) conn.setReachable(false);
    const cached = readJson(MENU_KEY);
    if (cached && menu.items.length === 0) { // a reload while the box is away: the last menu it gave
      ({ menu, currency } = cached); menuFromCache = true;
      renderMenu(); renderCart();
    }
    feed.start(feed.lastSeq || (cached && cached.last_seq) || 0);
  }
}

function onFeedState(online) {
  conn.setOnline(online);
  if (online) {
    orderOutbox.flush();
    if (menuFromCache) loadMenu(); // the box is back: its current menu, not the cached one
  }
}

async function restoreActiveOrder() {
  if (!draft.active) return;
  const known = await orderOutbox.knownOrder(draft.active.client_order_id);
  if (known) knownOrders.set(draft.active.client_order_id, known);
}

async function main() {
  const paired = pairedDevice();
  if (paired && !new URLSearchParams(location.search).has('order-entry')) {
    // A paired kitchen tablet opens straight to its screen after a reboot.
    location.replace(paired.device.station === 'expo' ? '/expo' : `/kds/${encodeURIComponent(paired.device.station)}`);
    return;
  }
  registerServiceWorker();
  const who = h('span', { class: 'who' });
  const side = h('div', { class: 'pos-side' }, cartPanel);
  document.body.append(
    h('header', { class: 'bar' }, h('h1', {}, 'Order entry'), h('span', { class: 'spacer' }), who,
      h('button', { type: 'button', onclick: logout }, 'Log out'), conn.indicator),
    conn.banner, h('main', { class: 'pos' }, h('section', { class: 'menu-pane' }, tabs, grid), side));
  login = await ensureSession(['staff', 'admin']);
  who.textContent = login.user.name;
  voice = new VoicePanel({ login, menu: () => menu, onEdit: loadVoiceDraft, onUnauthorized: logout });
  side.prepend(voice.element);
  feed = new LiveFeed({ token: () => login.token, onEvent: applyEvent, onState: onFeedState,
    onResync: loadMenu, onUnauthorized: logout });
  await restoreActiveOrder();
  orderOutbox.subscribe(onOutboxChange);
  await orderOutbox.configure({ token: () => login.token, onUnauthorized: (error) => error.status === 401 && logout() });
  setInterval(renderQueue, 1000);
  await loadMenu();
}

main();
