// The small menu of the kitchen screens (KDS and expo): the connection state, switch station,
// full screen, log out, and (on a KDS, if the box lets staff) 86 / un-86 the station's items.
import { api, clearSession, pairedDevice } from './api.js';
import { h, toast } from './dom.js';

export function screenMenu({ current, token, onClose = () => {} }) {
  const state = { stations: [], items: [], station: null, may86: false };
  const connection = h('p', { class: 'menu-conn', 'data-testid': 'menu-connection' }, 'Offline');
  const stationLinks = h('div', { class: 'menu-stations' });
  const eightySix = h('ul', { class: 'menu-86', 'data-testid': 'menu-86' });
  const eightySixSection = h('section', { hidden: true }, h('h3', {}, '86 an item'), eightySix);
  const paired = pairedDevice();
  const logoutButton = h('button', { type: 'button', class: 'danger', onclick: logout, hidden: Boolean(paired) }, 'Log out');
  const panel = h('aside', { class: 'side screen-menu', hidden: true, 'data-testid': 'screen-menu', 'aria-label': 'Screen menu' },
    h('h2', {}, 'Screen'), connection,
    h('section', {}, h('h3', {}, 'Switch screen'), stationLinks),
    h('div', { class: 'menu-actions' },
      h('button', { type: 'button', onclick: fullscreen, 'data-testid': 'fullscreen' }, 'Full screen'), logoutButton,
      h('button', { type: 'button', onclick: close }, 'Close')),
    paired && h('p', { class: 'menu-paired' }, `This tablet is paired to ${paired.device.station}.`),
    eightySixSection);
  const button = h('button', { type: 'button', class: 'menu-button', 'aria-label': 'Screen menu',
    'aria-expanded': 'false', onclick: () => (panel.hidden ? open() : close()) }, '\u2630 Menu');

  function open() { panel.hidden = false; button.setAttribute('aria-expanded', 'true'); draw(); }
  function close() { panel.hidden = true; button.setAttribute('aria-expanded', 'false'); onClose(); }

  function fullscreen() {
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(() => {});
  }

  async function logout() {
    // The box revokes the session's refresh tokens (issue 14/16); an older box answers 404: fine.
    try { await api('/api/v1/auth/logout', { method: 'POST', token: token(), timeoutMs: 2000 }); } catch { /* local log out anyway */ }
    clearSession();
    location.reload();
  }

  async function set86(item, available) {
    try {
      const updated = await api(`/api/v1/menu/items/${encodeURIComponent(item.id)}/availability`,
        { method: 'PUT', token: token(), body: { available } });
      update(updated);
      toast(available ? `${item.name} is back on` : `${item.name} 86'd`);
    } catch (error) {
      toast(error.message, { error: true, ms: 4000 });
    }
  }

  function draw() {
    stationLinks.replaceChildren(...state.stations.map((s) => {
      const href = s.kind === 'expo' ? '/expo' : `/kds/${encodeURIComponent(s.id)}`;
      return h('a', { class: s.id === current ? 'station-link current' : 'station-link', href,
        'aria-current': s.id === current ? 'page' : false }, s.name);
    }));
    eightySixSection.hidden = !state.may86 || !state.station;
    const mine = state.items.filter((item) => item.station === state.station);
    eightySix.replaceChildren(...mine.map((item) => h('li', {},
      h('span', { class: item.available ? 'name' : 'name off' }, item.available ? item.name : `${item.name} \u2014 86'd`),
      h('button', { type: 'button', class: item.available ? 'danger' : 'good', 'data-testid': `eighty-six-${item.id}`,
        onclick: () => set86(item, !item.available) }, item.available ? '86 it' : 'Back on'))));
  }

  function update(item) {
    const index = state.items.findIndex((known) => known.id === item.id);
    if (index >= 0) state.items[index] = item;
    if (!panel.hidden) draw();
  }

  // config: GET /api/v1/web/config. station: the KDS's station (null on expo: no 86 list there).
  async function configure(config, station, role) {
    state.stations = config.stations;
    state.station = station;
    state.may86 = Boolean(station) && (role === 'admin' || config.kds.staff_may_86 !== false);
    if (state.may86) {
      try { state.items = (await api('/api/v1/menu', { token: token() })).items; } catch { state.items = []; }
    }
    if (!panel.hidden) draw();
  }

  return {
    button, panel, configure, update, close,
    setOnline(online) {
      connection.textContent = online ? 'Connected to the box (live)' : 'Not connected \u2014 showing the last known state';
      connection.className = online ? 'menu-conn online' : 'menu-conn';
    },
  };
}
