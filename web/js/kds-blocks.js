// The blocks kds-layout.js places: one per ticket card (kept while the card and its age stay the
// same: its elements and measured sizes are reused, so a new event lays out only what it
// changed) and one per void/change notice.
import { continuationHead, headView, itemView, noticeAck, noticeHead, noticeItems, orderNoteView } from './kds-card.js';
import { elapsedText, parseTime } from './dom.js';
import { AGE_CUE, ageLevel } from './tickets.js';

// state: the screen's (cards, selected, timing, clockOffsetMs, levels); onBump(card),
// onDone(card, item), onAck(notice) act on the CURRENT card of that id.
export function blockMaker({ state, onBump, onDone, onAck }) {
  const cache = new Map();

  function ageOf(firedAt) {
    const seconds = (Date.now() + state.clockOffsetMs - parseTime(firedAt)) / 1000;
    return Number.isFinite(seconds) ? ageLevel(seconds, state.timing) : 'fresh';
  }

  function timerText(firedAt) {
    const seconds = (Date.now() + state.clockOffsetMs - parseTime(firedAt)) / 1000;
    return Number.isFinite(seconds) ? elapsedText(seconds) : '';
  }

  function cardBlock(card) {
    const level = ageOf(card.fired_at);
    state.levels.set(card.id, level);
    const key = `${level}|${JSON.stringify(card)}`;
    const cached = cache.get(card.id);
    if (cached && cached.key === key) return cached.block;
    const block = build(card, level);
    cache.set(card.id, { key, block });
    return block;
  }

  function forget() {
    for (const id of cache.keys()) if (!state.cards.has(id)) cache.delete(id);
  }

  // Taps find the card by id: a kept block may have been built from an older, equal copy.
  function build(card, level) {
    const current = () => state.cards.get(card.id);
    const bump = () => { if (current()) onBump(current()); };
    const done = (itemId) => () => {
      const now = current();
      const item = now && now.items.find((i) => i.id === itemId);
      if (item) onDone(now, item);
    };
    // The timer has its text before the card is measured: tick() only changes its digits.
    const timed = (head) => { head.querySelector('.timer').textContent = timerText(card.fired_at); return head; };
    const head = timed(headView(card, { onBump: bump }));
    head.querySelector('.cue').textContent = AGE_CUE[level];
    return {
      head,
      rows: card.items.map((item) => itemView(item, { onDone: done(item.id) })),
      tail: card.notes ? [orderNoteView(card)] : [],
      contHead: () => timed(continuationHead(card, { onBump: bump })),
      decorate(article, fragment) {
        const selected = card.id === state.selected;
        article.className = ['card', level !== 'fresh' && level, selected && 'selected',
          fragment.first ? '' : 'cont', fragment.last ? '' : 'goes-on'].filter(Boolean).join(' ');
        Object.assign(article.dataset, { ticket: card.id, fired: card.fired_at || '', age: level,
          first: fragment.first ? 'yes' : 'no' });
        article.setAttribute('data-testid', fragment.first ? 'ticket' : 'ticket-continued');
        if (selected) article.setAttribute('aria-current', 'true');
      },
    };
  }

  function noticeBlock(notice) {
    return {
      head: noticeHead(notice),
      rows: noticeItems(notice),
      tail: [noticeAck(notice, () => onAck(notice))],
      contHead: () => noticeHead(notice),
      decorate(article) {
        article.className = `card notice ${notice.kind}`;
        article.setAttribute('data-testid', 'notice');
        article.dataset.notice = notice.kind;
      },
    };
  }

  return { cardBlock, noticeBlock, forget };
}
