// Pure helpers (no DOM): money in integer cents, "2 h ago", prices typed by people, CSV.
export const money = (cents) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(cents / 100);

export function ago(seconds) {
  if (seconds === null || seconds === undefined) return 'never';
  if (seconds < 90) return 'just now';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 48 * 3600) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} days ago`;
}

export const duration = (seconds) => (seconds < 60 ? `${Math.round(seconds)} s` : `${Math.floor(seconds / 60)}:${String(Math.round(seconds % 60)).padStart(2, '0')}`);

export const MAX_PRICE_CENTS = 1000000; // $10,000.00, as on the box's Manage page

// A typed price -> {cents} or {error}; the same rules the cloud's owner_save_menu enforces.
export function parsePrice(text) {
  const value = String(text ?? '').trim().replace(/^\$/, '');
  if (value === '') return { error: 'a price is required' };
  if (/^-/.test(value)) return { error: 'a price cannot be negative' };
  if (!/^\d+(\.\d{1,2})?$/.test(value)) return { error: `"${text}" is not a price (like 12.50)` };
  const [whole, fraction = ''] = value.split('.');
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  if (cents > MAX_PRICE_CENTS) return { error: 'a price is at most $10,000.00' };
  return { cents };
}

const cell = (value) => {
  const text = value === null || value === undefined ? '' : String(value);
  // quoted when needed; a leading = + - @ would be a formula in a spreadsheet
  const safe = /^[=+\-@]/.test(text) && !/^-?\d/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

export const csv = (columns, rows) => [columns, ...rows.map((row) => columns.map((c) => row[c]))]
  .map((line) => line.map(cell).join(',')).join('\r\n') + '\r\n';
