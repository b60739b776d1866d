// What Manage says when something goes wrong: the API's machine codes (kept in its JSON for
// programs) in a manager's words.
const WORDS = {
  offline: 'The box cannot be reached, so nothing was changed. Check the Wi-Fi and try again.',
  forbidden: 'Only a manager can do this. Log in again with a manager PIN.',
  menu_item_not_found: 'That item is no longer on the menu (it was changed elsewhere). The list is up to date again.',
  invalid_changes: 'Only the price and availability can be changed here.',
  name_taken: 'Someone already has that name. Pick another name.',
  pin_taken: 'Someone already uses that PIN. Pick another PIN.',
  invalid_pin: 'A PIN has 4 to 8 digits.',
  invalid_name: 'Type a name of 1 to 40 letters.',
  invalid_role: 'Pick a role: staff, admin or customer.',
  user_not_found: 'That person is no longer on the list.',
  device_not_found: 'That tablet is no longer on the list.',
  already_revoked: 'That tablet was already unpaired.',
  station_not_found: 'That station no longer exists. Pick another one.',
  too_many_requests: 'Too many changes at once. Wait a few seconds and try again.',
  storage_full: "The box's storage is full, so nothing was saved. See Status.",
  storage_read_only: "The box's storage cannot be written, so nothing was saved. See Status.",
  storage_error: "The box could not write to its storage, so nothing was saved. See Status.",
  database_unavailable: 'The box cannot use its database right now, so nothing was saved. See Status.',
  internal_error: 'Something went wrong on the box and nothing was changed. Try again; if it happens again, see Status.',
  validation_failed: 'That change was not accepted. Check what you typed and try again.',
  malformed_json: 'That change did not reach the box intact, so nothing was changed. Try again.',
};

// Codes that already carry a manager's words from the box (prices).
const BOX_WORDS = /^price_/;

export function managerMessage(error) {
  if (error.offline) return WORDS.offline;
  if (BOX_WORDS.test(error.code || '')) return error.message;
  if (WORDS[error.code]) return WORDS[error.code];
  if (error.status >= 500) return WORDS.internal_error;
  return `That did not work (${error.code || 'unknown problem'}); nothing was changed.`;
}

// A price typed by a person, in dollars and cents, as whole cents; or why it is not one.
export const MAX_PRICE_CENTS = 1_000_000;

export function parsePrice(text) {
  const typed = String(text).trim().replace(/^\$/, '').trim();
  if (typed === '') return { problem: 'Type a price: an empty price is not $0.' };
  if (/^-/.test(typed)) return { problem: 'A price cannot be below $0.' };
  if (!/^\d+(\.\d*)?$|^\.\d+$/.test(typed)) return { problem: 'Type the price in dollars and cents, such as 12.95.' };
  const [whole, fraction = ''] = typed.split('.');
  if (fraction.length > 2) return { problem: 'A price has at most 2 digits after the point, such as 12.95.' };
  const cents = Number(whole || '0') * 100 + Number(fraction.padEnd(2, '0'));
  if (cents > MAX_PRICE_CENTS) return { problem: 'A price cannot be more than $10,000.' };
  return { cents };
}

// A change of more than half the old price (or to or from $0) is asked about first.
export function bigChange(oldCents, newCents) {
  if (oldCents === newCents) return false;
  if (oldCents === 0 || newCents === 0) return true;
  return Math.abs(newCents - oldCents) * 2 > oldCents;
}
