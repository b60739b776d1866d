// What a station's keys do on a tablet (bumpbar-keys.js turns key presses into these actions),
// with the box's bump-bar semantics, and the station's selection: shown on screen and sent to
// the box as a kds.selected event, so the box's own bump bar and the other tablets follow it.
import { api } from './api.js';
import { isRecallable, lastBumpedFirst } from './tickets.js';

const OWN_SELECTION_MS = 3000; // the box echoes our selections back for about this long at most

// state: the screen's; act: the screen's actions (bump, bumpAtOnce, recall, markDone,
// acknowledge, turn, summary, scroll).
export function stationKeys({ state, station, token, openCards, scheduleRender, act }) {
  let own = []; // {ticket, at}: this screen's recent selections

  function select(ticketId) {
    state.selected = ticketId;
    state.showSelected = true;
    own.push({ ticket: ticketId, at: Date.now() });
    scheduleRender();
    api(`/api/v1/kds/${encodeURIComponent(station)}/selection`, { method: 'POST', token: token(), body: { ticket_id: ticketId } })
      .catch(() => {}); // offline, or the ticket was bumped meanwhile: a selection is only a pointer
  }

  function move(step) {
    const cards = openCards();
    if (!cards.length) return;
    const index = cards.findIndex((card) => card.id === state.selected);
    const target = index < 0 ? (step > 0 ? 0 : cards.length - 1) : Math.min(Math.max(index + step, 0), cards.length - 1);
    select(cards[target].id);
  }

  const selectedOrOldest = () => state.cards.get(state.selected) || openCards()[0];

  const ACTIONS = {
    bump_position: ({ position }) => {
      const card = state.cards.get(state.positions[position - 1]);
      if (card) act.bump(card);
    },
    bump: () => { const card = selectedOrOldest(); if (card) act.bumpAtOnce(card); },
    next: () => move(1),
    previous: () => move(-1),
    page: () => {
      if (state.scroll) { act.scroll(1); return; }
      state.page = state.page + 1 >= state.pages ? 0 : state.page + 1;
      state.showSelected = false;
      scheduleRender();
    },
    page_back: () => (state.scroll ? act.scroll(-1) : act.turn(-1)),
    recall: () => {
      const nowMs = Date.now() + state.clockOffsetMs;
      const [last] = [...state.bumped.values()].filter((card) => isRecallable(card, nowMs)).sort(lastBumpedFirst);
      if (last) act.recall(last);
    },
    summary: () => act.summary(),
    item_done: () => {
      const card = selectedOrOldest();
      const item = card && card.items.find((i) => !i.done && !i.voided);
      if (item) act.markDone(card, item);
    },
  };

  return {
    press(action) {
      const notice = [...state.notices.values()][0];
      if (notice && action.name === 'bump') { act.acknowledge(notice); return; } // a notice is answered first
      ACTIONS[action.name](action);
    },
    // A kds.selected event: the bump bar's (or another tablet's) selection is shown here; an echo
    // of one of our own must not undo a newer one.
    follow(data) {
      const now = Date.now();
      own = own.filter((entry) => now - entry.at < OWN_SELECTION_MS);
      if (data.station !== station || own.some((entry) => entry.ticket === data.ticket_id)) return;
      state.selected = data.ticket_id;
      state.showSelected = true;
    },
  };
}
