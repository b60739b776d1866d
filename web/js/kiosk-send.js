// Sending a guest's order: the same body, with the client_order_id made once for this guest's
// order, until the box answers. A lost answer is harmless: the box answers a repeat with the
// order it already took (200), never a second one. (The tablets' IndexedDB outbox, web/js/outbox.js
// on another branch, will take this over; it keeps the same idempotency rule.)
import { api } from './api.js';

const RETRY_MS = [500, 1000, 2000, 3000, 5000];
const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

// Only the box's answer ends the loop: an order (sent), or a refusal (4xx: it decided, nothing was taken).
export async function sendUntilAnswered(body, { token, onWaiting = () => {} }) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await api('/api/v1/orders', { method: 'POST', body, token: token(), timeoutMs: 10000 });
    } catch (error) {
      const undecided = error.offline || error.status >= 500 || error.status === 429 || error.status === 408;
      if (!undecided) throw error;
      onWaiting(attempt + 1);
      await sleep(RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]);
    }
  }
}

// The box's refusal in a guest's words (its machine codes are for programs, never for guests).
export function guestMessage(error, lines) {
  if (error.code === 'item_unavailable') {
    const line = refusedLine(error, lines);
    return line ? `Sorry, ${line.item.name} has just sold out. We took it out of your order.`
      : 'Sorry, something in your order has just sold out.';
  }
  if (['modifier_choice_count', 'unknown_modifier', 'unknown_menu_item', 'duplicate_modifier'].includes(error.code)) {
    return 'Sorry, our menu has just changed. Please check your order and try again.';
  }
  return 'Sorry, we could not take this order. Please ask a member of our team for help.';
}

// "items.2.menu_item_id" in the refusal's details: the line the box refused.
export function refusedLine(error, lines) {
  const field = (error.details || []).map((d) => d.field || '').find((f) => /^items\.\d+\./.test(f));
  return field ? lines[Number(field.split('.')[1])] : undefined;
}
