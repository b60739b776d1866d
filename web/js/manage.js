// Manage (admins): 86 / un-86 and prices, users, paired tablets, and the box's health checks
// (printers, voice and sync appear here by themselves once they register a check).
import { api, clearSession, savePairedDevice } from './api.js';
import { h, toast } from './dom.js';
import { LiveFeed } from './live.js';
import { ensureSession, logout } from './login.js';
import { menuSection } from './manage-menu.js';
import { managerMessage } from './manage-words.js';
import { connectionIndicator, registerServiceWorker } from './shell.js';

const SECTIONS = [['menu', 'Menu'], ['users', 'Users'], ['tablets', 'Tablets'], ['status', 'Status']];
let login = null;
let section = 'menu';
let stations = [];
const conn = connectionIndicator();
const content = h('main', { 'data-testid': 'manage' });
const nav = h('nav', { class: 'sections' });
const call = (path, options = {}) => api(path, { token: login.token, ...options });

async function guarded(action, done) {
  try {
    await action();
    if (done) toast(done);
  } catch (error) {
    if (error.status === 401) { logout(); return; }
    toast(managerMessage(error), { error: true, ms: 6000 });
  }
  await show(section);
}

// A yes/no question in the page (a big price change): resolves true only on the explicit yes.
function ask(question, detail, yes) {
  return new Promise((resolve) => {
    const answer = (value) => { overlay.remove(); resolve(value); };
    const overlay = h('div', { class: 'overlay', 'data-testid': 'confirm' },
      h('div', { class: 'dialog', role: 'alertdialog', 'aria-modal': 'true', 'aria-label': question },
        h('h2', {}, question), h('p', {}, detail),
        h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => answer(false) }, 'Cancel'),
          h('button', { type: 'button', class: 'primary', 'data-testid': 'confirm-yes', onclick: () => answer(true) }, yes))));
    document.body.append(overlay);
  });
}

// -- sections -----------------------------------------------------------------------------------
const menuScreen = () => menuSection({ call, guarded, ask });

async function usersSection() {
  const { users } = await call('/api/v1/users');
  const name = h('input', { type: 'text', maxlength: 40, required: true });
  const role = h('select', {}, ['staff', 'admin', 'customer'].map((r) => h('option', { value: r }, r)));
  const pin = h('input', { type: 'password', inputmode: 'numeric', pattern: '[0-9]{4,8}', maxlength: 8 });
  return h('div', {},
    h('table', {}, h('thead', {}, h('tr', {}, ['Name', 'Role', 'State', ''].map((t) => h('th', {}, t)))),
      h('tbody', {}, users.map((u) => h('tr', {}, h('td', {}, u.name), h('td', {}, u.role), h('td', {}, u.active ? 'active' : 'disabled'),
        h('td', {}, u.active && u.id !== login.user.id && h('button', { type: 'button', class: 'danger',
          onclick: () => guarded(() => call(`/api/v1/users/${u.id}/disable`, { method: 'POST' }), `${u.name} disabled`) }, 'Disable')))))),
    h('h2', {}, 'Add a user'),
    h('div', { class: 'inline-form' }, h('label', {}, h('span', {}, 'Name'), name), h('label', {}, h('span', {}, 'Role'), role),
      h('label', {}, h('span', {}, 'PIN (4-8 digits)'), pin),
      h('button', { type: 'button', class: 'primary', onclick: () => guarded(() => call('/api/v1/users', { method: 'POST',
        body: { name: name.value, role: role.value, pin: pin.value } }), `${name.value} added`) }, 'Add')));
}

async function tabletsSection() {
  const { devices } = await call('/api/v1/devices');
  const name = h('input', { type: 'text', maxlength: 40, value: 'Kitchen tablet', 'data-testid': 'tablet-name' });
  const station = h('select', { 'data-testid': 'tablet-station' }, stations.map((s) => h('option', { value: s.id }, s.name)));
  const pairThisTablet = async () => {
    const paired = await call('/api/v1/devices', { method: 'POST', body: { name: name.value, station: station.value } });
    savePairedDevice(paired);
    clearSession(); // a kitchen tablet must not stay logged in as the manager who paired it
    location.assign(paired.device.station === 'expo' ? '/expo' : `/kds/${encodeURIComponent(paired.device.station)}`);
  };
  return h('div', {},
    h('p', {}, 'Pair the tablet you are holding to a station: it then opens straight to that screen, even after a reboot, until it is unpaired here.'),
    h('div', { class: 'inline-form' }, h('label', {}, h('span', {}, 'Tablet name'), name), h('label', {}, h('span', {}, 'Station'), station),
      h('button', { type: 'button', class: 'primary', 'data-testid': 'pair', onclick: () => guarded(pairThisTablet) }, 'Pair this tablet')),
    h('table', {}, h('thead', {}, h('tr', {}, ['Tablet', 'Station', 'Paired', 'State', ''].map((t) => h('th', {}, t)))),
      h('tbody', {}, devices.map((d) => h('tr', {}, h('td', {}, d.name), h('td', {}, d.station), h('td', {}, d.created_at.slice(0, 16).replace('T', ' ')),
        h('td', {}, d.revoked_at ? 'unpaired' : 'paired'),
        h('td', {}, !d.revoked_at && h('button', { type: 'button', class: 'danger',
          onclick: () => guarded(() => call(`/api/v1/devices/${d.id}/revoke`, { method: 'POST' }), `${d.name} unpaired`) }, 'Unpair')))))));
}

async function statusSection() {
  const response = await fetch('/health', { cache: 'no-store' });
  const health = await response.json();
  return h('div', {}, h('p', {}, `Box ${health.box_id} \u00b7 version ${health.version} \u00b7 overall: ${health.status}`),
    h('div', { class: 'checks', 'data-testid': 'checks' }, Object.entries(health.checks).map(([name, check]) =>
      h('section', { class: `check ${check.status}`, 'data-testid': `check-${name}` }, h('h3', {}, name.replace(/_/g, ' ')),
        h('strong', {}, check.status === 'ok' ? '\u2713 ok' : check.status === 'degraded' ? '\u26a0 degraded' : '\u2716 down'),
        h('p', {}, check.detail)))));
}

const BUILDERS = { menu: menuScreen, users: usersSection, tablets: tabletsSection, status: statusSection };

// A menu event (a cook 86ing an item) redraws the table; a price being typed must survive it.
function typedPrices() {
  const typed = new Map();
  for (const input of content.querySelectorAll('input.price')) {
    if (input.value !== input.dataset.saved) typed.set(input.dataset.item, input.value);
  }
  return typed;
}

function restoreTypedPrices(typed, focusedItem) {
  for (const input of content.querySelectorAll('input[data-item]')) { // prices, and the search
    if (typed.has(input.dataset.item)) input.value = typed.get(input.dataset.item);
    if (input.dataset.item === focusedItem) {
      input.focus();
      input.setSelectionRange(input.value.length, input.value.length); // keep typing at the end
    }
  }
}

async function show(name) {
  const typed = name === 'menu' && section === 'menu' ? typedPrices() : new Map();
  const focusedItem = document.activeElement && document.activeElement.dataset
    ? document.activeElement.dataset.item : undefined;
  section = name;
  nav.replaceChildren(...SECTIONS.map(([id, label]) => h('button', { type: 'button', 'aria-pressed': String(id === section),
    onclick: () => show(id) }, label)));
  try {
    const built = await BUILDERS[name]();
    const stillTyped = name === 'menu' ? new Map([...typed, ...typedPrices()]) : typed;
    content.replaceChildren(built);
    restoreTypedPrices(stillTyped, focusedItem);
  } catch (error) {
    if (error.status === 401) { logout(); return; }
    content.replaceChildren(h('p', { class: 'error', role: 'alert' }, managerMessage(error)));
  }
}

async function main() {
  registerServiceWorker();
  document.body.append(h('header', { class: 'bar' }, h('h1', {}, 'Manage'), nav, h('span', { class: 'spacer' }),
    h('button', { type: 'button', onclick: logout }, 'Log out'), conn.indicator), conn.banner, content);
  login = await ensureSession(['admin'], 'Manager PIN');
  const config = await call('/api/v1/web/config');
  stations = config.stations;
  const feed = new LiveFeed({ token: () => login.token, onState: conn.setOnline, onUnauthorized: logout,
    onResync: async () => feed.start((await call('/api/v1/web/config')).last_seq),
    onEvent: (event) => { if (event.type.startsWith('menu.') && section === 'menu') show('menu'); } });
  feed.start(config.last_seq);
  await show('menu');
  setInterval(() => { if (section === 'status') show('status'); }, 5000);
}

main();
