// Sending a guest's order: through the kiosk's own IndexedDB outbox (outbox.js), so an order placed
// while the Wi-Fi is down is kept on the kiosk, across a reload or a browser restart, and sent until
// the box answers; its client_order_id makes a repeat the same order, never a second one.
// Each guest is a login session of their own, and the box shows a customer only the orders of their
// session, so every entry is sent in the session of the guest who placed it (its owner): the live
// one while that guest is at the kiosk, afterwards the tokens it was left with.
import { api } from './api.js';
import { OrderOutbox } from './outbox.js';

export const kioskOutbox = new OrderOutbox('edge-kiosk-outbox'); // not order entry's queue

// guest: the kiosk's own id for a guest's login session (the box's tokens rotate under it).
export const ownerOf = (login) => login && { guest: login.guest, token: login.token, refresh_token: login.refresh_token };
export const sameGuest = (owner, login) => Boolean(owner && login && owner.guest === login.guest);
export const pendingOf = (login) => kioskOutbox.state.pending.filter((entry) => sameGuest(entry.owner, login));

export function tokenFor(entry, login) {
  if (!entry.owner) return login && login.token;
  return sameGuest(entry.owner, login) ? login.token : entry.owner.token;
}

// The guest has left and their access token ran out: the same session with its refresh token, or,
// when that is over too, the current guest's session. Then the box either takes the order (it
// never had it) or answers that the order is already taken (409 idempotency_key_reused): once.
export async function nextOwner(entry, login) {
  if (sameGuest(entry.owner, login) || !entry.owner) return ownerOf(login);
  try {
    const fresh = await api('/api/v1/auth/refresh', { method: 'POST', body: { refresh_token: entry.owner.refresh_token } });
    return { ...entry.owner, token: fresh.token, refresh_token: fresh.refresh_token };
  } catch (error) {
    return error.offline ? null : ownerOf(login);
  }
}

// The box already has it, taken in an earlier session of this kiosk: placed, but its number is not ours to see.
export const alreadyTaken = (error) => error.code === 'idempotency_key_reused';

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
