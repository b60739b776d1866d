// The pieces a KDS card is made of: a header, one row per item (with its modifiers and notes), the
// order's note, and the "continued" markers of a card split across columns. kds-layout.js packs
// the pieces into columns; the screen (kds.js) decides what a tap does.
import { h, parseTime } from './dom.js';
import { orderLabel } from './shell.js';
import { modifierLine, noteLine, SOURCE_TEXT } from './tickets.js';

const CUE_ICON = { remove: '\u2715', allergy: '\u26a0', note: '\u270e' };

export function clockTime(iso) {
  const ms = parseTime(iso);
  if (!Number.isFinite(ms)) return '';
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
}

// The full header: tapping it bumps the ticket (kds.js guards double taps).
export function headView(card, { onBump }) {
  const meta = [card.server, SOURCE_TEXT[card.source] || card.source, card.fired_at && `fired ${clockTime(card.fired_at)}`];
  return h('button', { type: 'button', class: 'card-head', onclick: onBump, 'aria-label': `Bump order ${card.number}` },
    h('span', { class: 'head-top' },
      h('span', { class: 'slot', 'data-testid': 'position' }),
      h('span', { class: 'num' }, `#${card.number}`),
      h('span', { class: 'timer' })),
    h('span', { class: 'where' }, orderLabel(card)),
    card.amendment === 'added' && h('span', { class: 'tag added', 'data-testid': 'added-badge' }, '+ ADDED ITEMS'),
    h('span', { class: 'cue' }),
    h('span', { class: 'meta', 'data-testid': 'meta' }, meta.filter(Boolean).join(' \u00b7 ')));
}

// The header of a card's later part, in the next column: the same number, marked as a continuation.
export function continuationHead(card, { onBump }) {
  return h('button', { type: 'button', class: 'card-head cont-head', onclick: onBump,
    'aria-label': `Bump order ${card.number} (continued)` },
  h('span', { class: 'head-top' }, h('span', { class: 'num' }, `#${card.number}`), h('span', { class: 'timer' })),
  h('span', { class: 'cont-label' }, '\u25c2 continued'));
}

export function continuedMarker() {
  return h('div', { class: 'continued', 'data-testid': 'continued' }, 'continued \u25b8');
}

// onDone: a tap marks the item done (a button); without it the row is only read (expo).
export function itemView(item, { onDone = null, disabled = false, label = null } = {}) {
  const classes = ['item', item.done && 'done', item.voided && 'voided'].filter(Boolean).join(' ');
  const body = [h('span', { class: 'line' },
    h('span', { class: 'qty' }, String(item.quantity)),
    h('span', { class: 'name' }, item.name),
    item.voided && h('span', { class: 'tag void' }, 'VOID'),
    item.done && h('span', { class: 'done-mark', 'aria-label': 'done' }, '\u2713'),
    label && h('span', { class: 'station-name' }, label)),
  detailLines(item)];
  return h('li', { class: 'item-row' }, onDone
    ? h('button', { type: 'button', class: classes, 'aria-pressed': String(item.done), 'data-testid': 'item',
      disabled: disabled || item.voided, onclick: onDone, dataset: { item: item.id } }, body)
    : h('div', { class: classes, 'data-testid': 'item', dataset: { item: item.id || '' } }, body));
}

// Plain modifiers share one line ("Well done \u00b7 Add bacon"); each removal, allergy and note has
// its own, with its word.
function detailLines(item) {
  const sorted = item.modifiers.map(modifierLine);
  const plain = sorted.filter((line) => line.kind === 'mod');
  const lines = [...(plain.length ? [{ kind: 'mod', cue: '', text: plain.map((line) => line.text).join(' \u00b7 ') }] : []),
    ...sorted.filter((line) => line.kind !== 'mod'), ...(item.notes ? [noteLine(item.notes)] : [])];
  if (!lines.length) return null;
  return h('span', { class: 'details' }, lines.map((line) => h('span', { class: `detail ${line.kind}`,
    'data-testid': `detail-${line.kind}` },
  line.cue && h('span', { class: 'detail-cue' }, `${CUE_ICON[line.kind] || ''} ${line.cue}`.trim()),
  h('span', { class: 'detail-text' }, line.text))));
}

export function orderNoteView(card) {
  const line = noteLine(card.notes);
  return h('p', { class: `order-note detail ${line.kind}` },
    h('span', { class: 'detail-cue' }, `${CUE_ICON[line.kind]} ${line.kind === 'allergy' ? 'ALLERGY' : 'ORDER'}`),
    h('span', { class: 'detail-text' }, line.text));
}

// A voided or changed order a cook had on screen: it stays until someone acknowledges it.
export function noticeHead(notice) {
  const word = notice.kind === 'void' ? 'VOID' : 'CHANGED';
  return h('div', { class: 'card-head notice-head' },
    h('span', { class: 'head-top' }, h('span', { class: 'num' }, `${word} #${notice.card.number}`)),
    h('span', { class: 'where' }, orderLabel(notice.card)),
    h('span', { class: 'cue' }, notice.kind === 'void' ? '\u2715 STOP \u2014 do not make' : '\u2715 Removed from the ticket:'),
    notice.reason && h('span', { class: 'meta' }, `Reason: ${notice.reason}`));
}

export function noticeItems(notice) {
  return notice.items.map((item) => h('li', { class: 'item-row' },
    h('div', { class: 'item voided' }, h('span', { class: 'line' },
      h('span', { class: 'qty' }, String(item.quantity)), h('span', { class: 'name' }, item.name)))));
}

export function noticeAck(notice, onAck) {
  return h('button', { type: 'button', class: 'ack', 'data-testid': 'ack-notice', onclick: onAck },
    `OK \u2014 seen ${notice.kind === 'void' ? 'void' : 'change'}`);
}
