// The KDS's model, computed from order snapshots exactly as the box's GET /kds/{station} does,
// so a card built from a live event and one from a snapshot are the same.
import { parseTime } from './dom.js';

const FINAL = ['completed', 'voided'];
export const RECALL_WINDOW_MS = 15 * 60 * 1000;
export const RECALL_LIMIT = 50;

// An order may hold several tickets for one station (items added after Send fire a new one).
// `server`: the name of who took the order, when the screen knows it (snapshots carry it; a live
// event's actor is that person when the event created or fired the order).
export function cardsFromOrder(order, station, server = null) {
  return order.tickets.filter((t) => t.station === station).map((t) => cardFromOrder(order, station, t, server));
}

export function cardFromOrder(order, station, ticket = order.tickets.find((t) => t.station === station), server = null) {
  if (!ticket) return null;
  const items = new Map(order.items.map((item) => [item.id, item]));
  return {
    id: ticket.id, order_id: order.id, number: order.number, table: order.table,
    customer_name: order.customer_name, type: order.type, source: order.source, notes: order.notes,
    station, status: ticket.status, order_status: order.status, fired_at: ticket.fired_at,
    started_at: ticket.started_at, bumped_at: ticket.bumped_at, created_by: order.created_by || null,
    server, amendment: ticket.amendment || null,
    // a voided item stays on a card the cook has, struck through and marked VOID
    items: ticket.item_ids.map((id) => items.get(id)).filter(Boolean).map((item) => ({
      id: item.id, name: item.name, quantity: item.quantity, modifiers: item.modifiers.map((m) => m.name),
      notes: item.notes, course: item.course, done: item.done_at !== null && item.done_at !== undefined,
      voided: Boolean(item.voided_at),
    })),
  };
}

// Modifiers and notes, sorted by what they ask of the cook: a removal ("No onions") and an
// allergy must not look like "Medium rare". Each kind has a word as well as a colour.
const REMOVAL = /^(no|without|hold|sans)\s+/i;
const ALLERGY = /\ballerg|\banaphyla|\b(celiac|coeliac|epipen)\b|\b(gluten|nut|dairy)[- ]free\b/i;

export function modifierLine(name) {
  if (REMOVAL.test(name)) return { kind: 'remove', cue: 'NO', text: name.replace(REMOVAL, '') };
  if (ALLERGY.test(name)) return { kind: 'allergy', cue: 'ALLERGY', text: name.replace(/^\s*allerg\w*\s*[:-]?\s*/i, '') };
  return { kind: 'mod', cue: '', text: name };
}

export function noteLine(note) {
  if (ALLERGY.test(note)) return { kind: 'allergy', cue: 'ALLERGY', text: note.replace(/^\s*allerg\w*\s*[:-]?\s*/i, '') };
  return { kind: 'note', cue: 'NOTE', text: note };
}

export const SOURCE_TEXT = { pos: 'POS', kiosk: 'Kiosk', voice: 'Voice' };

export function isActive(card) {
  return (card.status === 'fired' || card.status === 'in_progress') && !FINAL.includes(card.order_status);
}

export function isRecallable(card, nowMs) {
  return card.status === 'ready' && !FINAL.includes(card.order_status) && card.bumped_at
    && nowMs - parseTime(card.bumped_at) <= RECALL_WINDOW_MS;
}

// The kitchen's order is the event log's (fired_seq), not the wall clock: a Pi without a
// real-time clock may boot in 1970 and stamp new tickets "before" old ones.
export function oldestFirst(a, b) {
  return ((a.fired_seq || 0) - (b.fired_seq || 0)) || (a.id < b.id ? -1 : 1);
}

export function lastBumpedFirst(a, b) {
  return (b.bumped_seq || 0) - (a.bumped_seq || 0);
}

// A card built from an event keeps the seqs the box gave it: the event's own seq when it fired
// or bumped the ticket, else what the screen already knew.
export function withSeqs(card, event, known) {
  return {
    ...card,
    fired_seq: event.type === 'order.fired' ? event.seq : (known && known.fired_seq) || event.seq,
    bumped_seq: event.type === 'ticket.bumped' && event.data.ticket_id === card.id ? event.seq
      : card.status === 'ready' ? (known && known.bumped_seq) || event.seq : null,
  };
}

export function allDay(cards) {
  const counts = new Map();
  for (const card of cards) {
    for (const item of card.items) {
      if (!item.done && !item.voided) counts.set(item.name, (counts.get(item.name) || 0) + item.quantity);
    }
  }
  return [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, quantity]) => ({ name, quantity }));
}

export function ageLevel(seconds, timing) {
  if (seconds >= timing.late_after_s) return 'late';
  if (seconds >= timing.warn_after_s) return 'warn';
  return 'fresh';
}

export const AGE_CUE = { fresh: '', warn: '\u26a0 WAITING', late: '\u203c LATE' };
