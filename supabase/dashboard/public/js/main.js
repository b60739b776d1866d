// The owner's dashboard: sign in, pick restaurants and a period, read figures, box health, the
// menu and CSV exports. Every read runs with the owner's session; row-level security decides
// which restaurants come back.
import * as cloud from './cloud.js';
import { h, toast } from './dom.js';
import { ago } from './format.js';
import { loginView } from './login.js';
import { restaurantColumn, STALE_STATES } from './figures.js';

const RANGES = [['1', 'Today'], ['7', 'Last 7 days'], ['30', 'Last 30 days'], ['custom', 'Dates…']];
const TABS = [['figures', 'Figures'], ['menu', 'Menu'], ['export', 'Export']];
const view = { tab: 'figures', restaurant: 'all', range: '1', from: '', to: '', reports: [], boxes: [] };
let auth = null;
let config = null;
let redraw = [];

const isoDay = (date) => date.toISOString().slice(0, 10);

function rangeQuery() {
  if (view.range !== 'custom') return { days: Number(view.range) };
  return { from: view.from, to: view.to };
}

// Why a restaurant's figures may be behind, in the owner's words.
function behindBecause(box) {
  const synced = `last synced ${ago(box.last_contact_age_s)}`;
  switch (box.state) {
    case 'never': return 'has never synced';
    case 'revoked': return `${synced}, and its credential is revoked`;
    case 'credential': return `${synced}, and the cloud refuses its credential`;
    case 'behind': return `has ${box.backlog_events} events waiting to sync`;
    case 'dead_letters': return `has ${box.dead_letters} events the cloud refused`;
    default: return synced;
  }
}

function staleBanner(reports, boxes) {
  const names = new Map(reports.map((r) => [r.restaurant_id, r.name]));
  const stale = boxes.filter((box) => STALE_STATES.has(box.state) && names.has(box.restaurant_id));
  if (!stale.length) return null;
  return h('div', { class: 'banner', role: 'alert', 'data-testid': 'stale-banner' }, stale.map((box) => h('p', {},
    h('strong', {}, names.get(box.restaurant_id)), ` ${behindBecause(box)} (${box.name || box.box_id}): its figures may be behind.`)));
}

function controls(reports) {
  const restaurant = h('select', { 'aria-label': 'Restaurant', 'data-testid': 'restaurant-select',
    onchange: (e) => { view.restaurant = e.target.value; render(); } },
  h('option', { value: 'all' }, reports.length > 1 ? 'All restaurants, side by side' : 'My restaurant'),
  reports.length > 1 && reports.map((r) => h('option', { value: r.restaurant_id }, r.name)));
  restaurant.value = view.restaurant;
  const range = h('select', { 'aria-label': 'Period', 'data-testid': 'range-select',
    onchange: (e) => { view.range = e.target.value; if (view.range !== 'custom') load(); else render(); } },
  RANGES.map(([value, label]) => h('option', { value }, label)));
  range.value = view.range;
  const day = (key) => h('input', { type: 'date', value: view[key], 'aria-label': key === 'from' ? 'From' : 'To',
    'data-testid': `range-${key}`, onchange: (e) => { view[key] = e.target.value; } });
  const dates = view.range === 'custom' && h('span', { class: 'dates' }, day('from'), day('to'),
    h('button', { type: 'button', onclick: () => (view.from && view.to && view.from <= view.to ? load() : toast('Pick a start and an end date.', { error: true })) }, 'Show'));
  const tabs = h('nav', { class: 'tabs' }, TABS.map(([id, label]) => h('button', {
    type: 'button', class: view.tab === id ? 'active' : '', 'aria-pressed': String(view.tab === id), 'data-testid': `tab-${id}`,
    onclick: () => { view.tab = id; render(); } }, label)));
  return h('div', { class: 'controls' }, restaurant, range, dates,
    h('button', { type: 'button', onclick: load, 'data-testid': 'refresh' }, 'Refresh'), tabs);
}

async function tabContent(shown) {
  if (!shown.length) return h('p', { class: 'muted' }, 'No restaurant is linked to this account yet.');
  // the menu and the export load when first opened: most visits only read the figures
  if (view.tab === 'menu') {
    const editor = await (await import('./menu.js')).menuView(shown[0]);
    if (shown.length > 1) editor.prepend(h('p', { class: 'muted' }, 'To edit another restaurant\'s menu, pick it above.'));
    return editor;
  }
  if (view.tab === 'export') {
    const from = shown.map((r) => r.from).sort()[0];
    const to = shown.map((r) => r.to).sort().at(-1);
    return (await import('./export.js')).exportView(shown.map((r) => r.restaurant_id), from, to);
  }
  const columns = shown.map((report) => restaurantColumn(report, view.boxes.filter((b) => b.restaurant_id === report.restaurant_id)));
  redraw = columns.map(([, draw]) => draw);
  return h('div', { class: `columns n${columns.length}` }, columns.map(([column]) => column));
}

async function render() {
  const { reports } = view;
  const shown = view.restaurant === 'all' ? reports : reports.filter((r) => r.restaurant_id === view.restaurant);
  redraw = [];
  const user = (await auth.getSession()).data.session?.user;
  const body = await tabContent(shown).catch((error) => h('p', { class: 'error' }, error.message));
  document.body.replaceChildren(
    h('header', {}, h('h1', {}, 'Owner dashboard'),
      h('span', { class: 'who' }, user?.email || ''),
      h('button', { type: 'button', onclick: () => auth.signOut(), 'data-testid': 'sign-out' }, 'Sign out')),
    ...[controls(reports), staleBanner(shown, view.boxes), body].filter(Boolean));
  for (const draw of redraw) draw();
}

async function load() {
  try {
    [view.reports, view.boxes] = await Promise.all([cloud.report(rangeQuery()), cloud.boxes()]);
  } catch (error) {
    if (error.status === 401 || error.status === 'PGRST303') return auth.signOut();
    toast(`Cannot load the figures: ${error.message}`, { error: true, ms: 8000 });
  }
  await render();
}

function showLogin() {
  view.reports = []; // nothing of the last owner stays on the page, nor is refreshed
  view.boxes = [];
  view.restaurant = 'all';
  document.body.replaceChildren(loginView(auth, config));
}

// Figures stay fresh on a screen left open; the menu and export tabs are never redrawn under the owner.
const REFRESH_MS = 60000;
setInterval(() => { if (view.tab === 'figures' && auth && view.reports.length && !document.hidden) load(); }, REFRESH_MS);

let resizeTimer = null;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => redraw.forEach((draw) => draw()), 200);
});

async function start() {
  try {
    ({ config, auth } = await cloud.connect());
  } catch (error) {
    document.body.replaceChildren(h('p', { class: 'error' }, error.message));
    return;
  }
  const today = new Date();
  view.to = isoDay(today);
  view.from = isoDay(new Date(today.getTime() - 6 * 86400000));
  let signedIn; // undefined until the first answer, so "nobody signed in" shows the login too
  auth.onAuthStateChange((event, session) => {
    // only a change of user redraws: a token refresh in the background keeps the page as it is
    const user = session?.user?.id ?? null;
    if (user === signedIn) return;
    signedIn = user;
    setTimeout(() => (user ? load() : showLogin()), 0);
  });
}

start();
