// Order entry: menu by category, modifiers within their min/max, a summary with totals, send.
import { api, pairedDevice, uuid4 } from './api.js';
import { h, money, toast } from './dom.js';
import { LiveFeed } from './live.js';
import { ensureSession, logout } from './login.js';
import { connectionIndicator, registerServiceWorker } from './shell.js';
import { VoicePanel } from './voice-panel.js';

let login = null;
let menu = { categories: [], items: [] };
let currency = 'USD';
let category = null;
let feed = null;
const cart = { lines: [], type: 'dine_in', table: '', name: '', notes: '', clientOrderId: uuid4() };

const conn = connectionIndicator();
const tabs = h('nav', { class: 'tabs', 'aria-label': 'Categories' });
const grid = h('div', { class: 'menu-grid', 'data-testid': 'menu' });
const cartPanel = h('section', { class: 'cart', 'aria-label': 'Order summary', 'data-testid': 'cart' });

// -- money: the box's rule (per tax rate, rounded half up), so the tablet shows what it charges --
function lineTotal(line) {
  const unit = line.item.price_cents + line.modifiers.reduce((sum, m) => sum + m.price_delta_cents, 0);
  return Math.max(unit, 0) * line.quantity;
}

function totals(lines) {
  const byRate = new Map();
  for (const line of lines) byRate.set(line.item.tax_rate_bp, (byRate.get(line.item.tax_rate_bp) || 0) + lineTotal(line));
  let subtotal = 0; let tax = 0;
  for (const [rate, amount] of byRate) {
    subtotal += amount;
    tax += Math.floor((amount * rate * 2 + 10000) / 20000); // half up, integers only
  }
  return { subtotal, tax, total: subtotal + tax };
}

// -- menu -------------------------------------------------------------------------------------
function renderMenu() {
  const categories = [...menu.categories].sort((a, b) => a.position - b.position);
  if (!category || !categories.some((c) => c.id === category)) category = categories[0] && categories[0].id;
  tabs.replaceChildren(...categories.map((c) => h('button', { type: 'button', 'aria-pressed': String(c.id === category),
    onclick: () => { category = c.id; renderMenu(); } }, c.name)));
  const items = menu.items.filter((i) => i.category_id === category).sort((a, b) => a.position - b.position);
  grid.replaceChildren(...items.map((item) => h('button', { type: 'button', class: 'menu-item', disabled: !item.available,
    'data-testid': `menu-item-${item.id}`, onclick: () => choose(item) },
  h('strong', {}, item.name), h('span', { class: 'price' }, money(item.price_cents, currency)),
  !item.available && h('span', { class: 'eighty-six' }, "86'd \u2014 not available"))));
}

function choose(item) {
  const chosen = new Map(item.modifier_groups.map((g) => [g.id, new Set()]));
  let quantity = 1;
  const notes = h('input', { type: 'text', maxlength: 500, placeholder: 'e.g. allergy: nuts' });
  const qty = h('strong', { 'data-testid': 'quantity' }, '1');
  const add = h('button', { type: 'button', class: 'primary', 'data-testid': 'add-to-order' }, 'Add to order');
  const groups = item.modifier_groups.map((group) => groupView(group, chosen.get(group.id), refresh));
  function refresh() {
    add.disabled = item.modifier_groups.some((g) => chosen.get(g.id).size < g.min);
    qty.textContent = String(quantity);
    groups.forEach((g) => g.refresh());
  }
  const close = () => overlay.remove();
  add.addEventListener('click', () => {
    const modifiers = item.modifier_groups.flatMap((g) => g.modifiers.filter((m) => chosen.get(g.id).has(m.id)));
    cart.lines.push({ item, modifiers, quantity, notes: notes.value.trim() || null });
    close(); renderCart();
  });
  const overlay = h('div', { class: 'overlay' }, h('div', { class: 'dialog', role: 'dialog', 'aria-label': item.name },
    h('h2', {}, `${item.name} \u00b7 ${money(item.price_cents, currency)}`),
    groups.map((g) => g.element),
    h('div', { class: 'stepper' }, h('span', {}, 'Quantity'),
      h('button', { type: 'button', 'aria-label': 'One less', onclick: () => { quantity = Math.max(1, quantity - 1); refresh(); } }, '\u2212'),
      qty, h('button', { type: 'button', 'aria-label': 'One more', onclick: () => { quantity = Math.min(99, quantity + 1); refresh(); } }, '+')),
    h('label', {}, h('span', {}, 'Notes for the kitchen'), notes),
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: close }, 'Cancel'), add)));
  document.body.append(overlay);
  refresh();
}

// One modifier group: at most `max` choices (a single-choice group swaps), at least `min` to add.
function groupView(group, selected, onChange) {
  const rule = group.min === group.max ? `choose ${group.min}` : `choose ${group.min} to ${group.max}`;
  const buttons = group.modifiers.map((m) => h('button', { type: 'button', 'data-modifier': m.id, onclick: () => {
    if (selected.has(m.id)) selected.delete(m.id);
    else if (group.max === 1) { selected.clear(); selected.add(m.id); }
    else if (selected.size < group.max) selected.add(m.id);
    onChange();
  } }, m.name, m.price_delta_cents ? ` (${m.price_delta_cents > 0 ? '+' : ''}${money(m.price_delta_cents, currency)})` : ''));
  return {
    element: h('fieldset', { class: 'group' }, h('legend', {}, `${group.name} (${rule})`), h('div', { class: 'choices' }, buttons)),
    refresh() {
      buttons.forEach((b) => {
        const on = selected.has(b.dataset.modifier);
        b.setAttribute('aria-pressed', String(on));
        b.disabled = !on && group.max > 1 && selected.size >= group.max;
      });
    },
  };
}

// -- the order ----------------------------------------------------------------------------------
function renderCart() {
  const available = new Map(menu.items.map((i) => [i.id, i.available]));
  const { subtotal, tax, total } = totals(cart.lines);
  const tableInput = h('input', { type: 'text', maxlength: 20, value: cart.table, 'data-testid': 'table', oninput: (e) => { cart.table = e.target.value; } });
  const nameInput = h('input', { type: 'text', maxlength: 60, value: cart.name, 'data-testid': 'customer-name', oninput: (e) => { cart.name = e.target.value; } });
  const notes = h('textarea', { maxlength: 500, oninput: (e) => { cart.notes = e.target.value; } });
  notes.value = cart.notes;
  const blocked = cart.lines.some((l) => available.get(l.item.id) === false);
  cartPanel.replaceChildren(
    h('h2', {}, 'Order'),
    h('div', { class: 'segmented' }, ['dine_in', 'takeout'].map((type) => h('button', { type: 'button',
      'aria-pressed': String(cart.type === type), onclick: () => { cart.type = type; renderCart(); } },
    type === 'dine_in' ? 'Dine in' : 'Takeout'))),
    cart.type === 'dine_in' ? h('label', {}, h('span', {}, 'Table'), tableInput) : null,
    h('label', {}, h('span', {}, cart.type === 'dine_in' ? 'Name (optional)' : 'Name'), nameInput),
    h('ul', { class: 'lines', 'data-testid': 'lines' }, cart.lines.map((line, index) => h('li', { class: available.get(line.item.id) === false ? 'unavailable' : '' },
      h('span', { class: 'what' }, `${line.quantity}\u00d7 ${line.item.name}`,
        line.modifiers.length > 0 && h('small', {}, line.modifiers.map((m) => m.name).join(', ')),
        line.notes && h('small', {}, line.notes),
        available.get(line.item.id) === false && h('small', {}, "86'd: remove it")),
      h('span', {}, money(lineTotal(line), currency)),
      h('button', { type: 'button', 'aria-label': `Remove ${line.item.name}`, onclick: () => { cart.lines.splice(index, 1); renderCart(); } }, '\u00d7')))),
    h('label', {}, h('span', {}, 'Order notes'), notes),
    h('div', { class: 'totals', 'data-testid': 'totals' },
      h('span', {}, 'Subtotal'), h('span', {}, money(subtotal, currency)),
      h('span', {}, 'Tax'), h('span', {}, money(tax, currency)),
      h('span', { class: 'grand' }, 'Total'), h('span', { class: 'grand', 'data-testid': 'total' }, money(total, currency))),
    h('button', { type: 'button', class: 'primary', 'data-testid': 'send', disabled: cart.lines.length === 0 || blocked, onclick: send }, 'Send to kitchen'));
}

async function send(event) {
  const button = event.currentTarget;
  button.disabled = true;
  const body = {
    client_order_id: cart.clientOrderId, type: cart.type, table: cart.type === 'dine_in' && cart.table.trim() || null,
    customer_name: cart.name.trim() || null, notes: cart.notes.trim() || null,
    items: cart.lines.map((l) => ({ menu_item_id: l.item.id, quantity: l.quantity,
      modifier_ids: l.modifiers.map((m) => m.id), notes: l.notes })),
  };
  try {
    // The same client_order_id on a retry: the box answers with the first order, never a second one.
    const order = await api('/api/v1/orders', { method: 'POST', body, token: login.token });
    toast(`Order #${order.number} sent to the kitchen`);
    Object.assign(cart, { lines: [], table: '', name: '', notes: '', clientOrderId: uuid4() });
  } catch (error) {
    if (error.status === 401) { logout(); return; }
    toast(error.offline ? 'The box cannot be reached; the order is NOT sent yet. Try again.' : error.message, { error: true, ms: 5000 });
  }
  renderCart();
}

// -- voice: a draft's Edit loads it into the cart; Send then uses the draft's id as client_order_id --
let voice = null;
function loadVoiceDraft(id, draft) {
  const items = new Map(menu.items.map((i) => [i.id, i]));
  cart.lines = draft.items.filter((line) => items.has(line.menu_item_id)).map((line) => {
    const item = items.get(line.menu_item_id);
    const modifiers = item.modifier_groups.flatMap((g) => g.modifiers).filter((m) => line.modifier_ids.includes(m.id));
    return { item, modifiers, quantity: line.quantity, notes: line.notes };
  });
  Object.assign(cart, { type: draft.type, table: draft.table || '', clientOrderId: id });
  renderCart();
}

function applyEvent(event) {
  if (voice && event.type.startsWith('voice.')) voice.onEvent(event);
  if (event.type === 'menu.item_updated') {
    const updated = event.data.item;
    menu.items = menu.items.map((i) => (i.id === updated.id ? updated : i));
    renderMenu(); renderCart();
  } else if (event.type === 'menu.replaced') {
    loadMenu();
  }
}

async function loadMenu() {
  try {
    // The seq before the menu: an 86 landing in between is replayed, never lost.
    const config = await api('/api/v1/web/config', { token: login.token });
    const loaded = await api('/api/v1/menu', { token: login.token });
    menu = loaded; currency = config.restaurant.currency;
    renderMenu(); renderCart();
    feed.start(config.last_seq);
  } catch (error) {
    if (error.status === 401) { logout(); return; }
    feed.start(feed.lastSeq);
  }
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
    conn.banner, h('main', { class: 'pos' }, h('section', {}, tabs, grid), side));
  login = await ensureSession(['staff', 'admin']);
  who.textContent = login.user.name;
  voice = new VoicePanel({ login, menu: () => menu, onEdit: loadVoiceDraft, onUnauthorized: logout });
  side.prepend(voice.element);
  feed = new LiveFeed({ token: () => login.token, onEvent: applyEvent, onState: conn.setOnline,
    onResync: loadMenu, onUnauthorized: logout });
  await loadMenu();
}

main();
