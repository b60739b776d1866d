// One restaurant's column: the figures for the range, its charts, items, sources and boxes.
import { h } from './dom.js';
import { ago, duration, money } from './format.js';
import { hourly, stationTimes } from './charts.js';

const SOURCES = { pos: 'POS', kiosk: 'Kiosk', voice: 'Voice' };
const BOX_STATES = {
  ok: 'Up to date', offline: 'Offline', never: 'Never synced', behind: 'Behind', dead_letters: 'Events refused',
  credential: 'Credential refused', credential_expiring: 'Credential expires soon', revoked: 'Revoked', clock: 'Clock wrong',
};
// the states in which some of a restaurant's orders may not be in the cloud yet
export const STALE_STATES = new Set(['offline', 'never', 'revoked', 'credential', 'behind', 'dead_letters']);

const tile = (label, value, testid, note) => h('div', { class: 'tile' }, h('span', {}, label),
  h('strong', { 'data-testid': testid }, value), note && h('small', { 'data-testid': `${testid}-note` }, note));
const legend = (...keys) => h('span', { class: 'legend' }, keys.map((key) => h('span', { class: `swatch ${key}` }, key)));

function items(title, list, testid) {
  return h('div', {}, h('h3', {}, title), list.length
    ? h('ol', { class: 'items', 'data-testid': testid }, list.map((item) => h('li', {},
      h('span', {}, item.name), h('span', {}, `${item.quantity} · ${money(item.sales_cents)}`))))
    : h('p', { class: 'muted' }, 'Nothing yet.'));
}

// What was voided, item by item (the costliest first): lines voided from orders and the lines of
// orders voided whole, with the reasons. A cloud without the voided-lines migration sends no `items`.
const VOIDED_SHOWN = 5;
const sum = (list, key) => list.reduce((total, item) => total + item[key], 0);

const voidedLine = (item) => h('li', {}, h('span', {}, item.name, h('small', {}, item.reasons.join(', '))),
  h('span', {}, `${item.quantity} · ${money(item.net_cents)}`));

function moreLine(more) {
  if (more.length === 0) return null;
  return h('li', { class: 'more' }, h('span', {}, `${more.length} more item${more.length === 1 ? '' : 's'}`),
    h('span', {}, `${sum(more, 'quantity')} · ${money(sum(more, 'net_cents'))}`));
}

function voidedItems(voids) {
  if (!voids.items) return null;
  return h('div', {}, h('h3', {}, 'What was voided'), voids.items.length
    ? [h('p', { class: 'muted' }, 'Items voided from orders and the items of voided orders, before tax.'),
      h('ol', { class: 'items voided', 'data-testid': 'voided-items' },
        voids.items.slice(0, VOIDED_SHOWN).map(voidedLine), moreLine(voids.items.slice(VOIDED_SHOWN)))]
    : h('p', { class: 'muted' }, 'Nothing voided.'));
}

// Orders voided whole (total with tax, as the cloud always reported), and items voided from orders
// that went on (before tax, like net sales).
function voidTiles(voids) {
  const orders = tile('Voided orders', String(voids.orders), 'voids', money(voids.total_cents));
  if (voids.lines === undefined) return orders;
  const lines = tile('Voided items', String(voids.lines_quantity), 'voided-lines', `${money(voids.lines_net_cents)} before tax`);
  return [orders, lines];
}

export function boxLine(box) {
  const facts = [`last synced ${ago(box.last_contact_age_s)}`];
  if (box.backlog_events) facts.push(`${box.backlog_events} events waiting${box.oldest_unsent_at ? `, oldest from ${new Date(box.oldest_unsent_at).toLocaleString()}` : ''}`);
  if (box.dead_letters) facts.push(`${box.dead_letters} refused events`);
  if (box.revoked_at) facts.push('credential revoked');
  else if (box.credential_problem) facts.push(`credential: ${box.credential_problem}`);
  else if (box.credential_expires_at) facts.push(`credential valid until ${box.credential_expires_at.slice(0, 10)}`);
  if (box.clock_problem) facts.push(box.clock_problem);
  if (box.last_error && box.state !== 'ok') facts.push(`last error: ${box.last_error}`);
  if (box.version) facts.push(`version ${box.version}`);
  return h('li', { class: `box ${box.state}`, 'data-testid': `box-${box.box_id}`, 'data-state': box.state },
    h('strong', {}, box.name || box.box_id), h('span', { class: 'badge' }, BOX_STATES[box.state] || box.state),
    h('span', { class: 'facts' }, facts.join(' · ')));
}

function period(report) {
  const dates = report.from === report.to ? `Business day ${report.from}` : `${report.from} to ${report.to}`;
  return `${dates} · ${report.timezone}, day starts ${report.day_starts_at}`;
}

// Returns [element, draw]: draw() makes the charts once the element is on the page (uPlot needs its width).
export function restaurantColumn(report, boxes) {
  const t = report.totals;
  const hourChart = h('div', { class: 'chart', 'data-testid': 'hourly-chart' });
  const stationChart = h('div', { class: 'chart', 'data-testid': 'station-chart' });
  const sold = report.items.filter((item) => item.quantity > 0);
  const column = h('section', { class: 'restaurant', 'data-testid': `restaurant-${report.restaurant_id}` },
    h('h2', {}, report.name), h('p', { class: 'muted' }, period(report)),
    h('div', { class: 'tiles' },
      tile('Net sales', money(t.net_sales_cents), 'net-sales'), tile('Orders', String(t.orders), 'orders'),
      tile('Average ticket', money(t.average_ticket_cents), 'average-ticket'), tile('Tax', money(t.tax_cents), 'tax'),
      voidTiles(report.voids)),
    h('h3', {}, 'Sales per hour'), hourChart,
    h('h3', {}, 'Ticket times per station, minutes ', legend('p50', 'p90')),
    report.stations.length ? [stationChart, h('table', { class: 'compact' },
      h('tr', {}, ['Station', 'Tickets', 'p50', 'p90'].map((c) => h('th', {}, c))),
      report.stations.map((s) => h('tr', {}, h('td', {}, s.station), h('td', {}, s.tickets),
        h('td', {}, duration(s.p50_seconds)), h('td', {}, duration(s.p90_seconds)))))]
      : h('p', { class: 'muted' }, 'No tickets bumped in this period.'),
    h('div', { class: 'pair' }, items('Top items', sold.slice(0, 5), 'top-items'),
      items('Least sold', report.items.slice(-5).reverse(), 'bottom-items')),
    voidedItems(report.voids),
    h('h3', {}, 'Sources'),
    h('ul', { class: 'sources', 'data-testid': 'sources' }, report.sources.map((s) => h('li', {},
      h('span', {}, SOURCES[s.source] || s.source), h('span', {}, `${s.orders} orders · ${money(s.total_cents)}`)))),
    h('h3', {}, 'Boxes'),
    h('ul', { class: 'boxes' }, boxes.length ? boxes.map(boxLine) : h('li', { class: 'muted' }, 'No box registered.')));
  const draw = () => {
    hourly(hourChart, report.per_hour, report.day_starts_at);
    if (report.stations.length) stationTimes(stationChart, report.stations);
  };
  return [column, draw];
}
