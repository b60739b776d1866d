// Building elements from nodes, never from HTML strings: names and notes typed by people are never parsed as HTML.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export function money(cents, currency = 'USD') {
  return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(cents / 100);
}

// Toasts stack in one column (two answers arriving together must not cover each other).
export function toast(message, { error = false, ms = 2500 } = {}) {
  let stack = document.querySelector('.toasts');
  if (!stack) { stack = h('div', { class: 'toasts' }); document.body.append(stack); }
  const el = h('div', { class: error ? 'toast error' : 'toast', role: 'status' }, message);
  stack.append(el);
  setTimeout(() => el.remove(), ms);
}

export function elapsedText(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}

// The box writes microseconds ("...:17.976543Z"); ECMAScript only promises to parse milliseconds,
// and older Safari returns NaN for more digits.
export function parseTime(text) {
  if (!text) return NaN;
  return Date.parse(String(text).replace(/(\.\d{3})\d+/, '$1'));
}
