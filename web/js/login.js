// PIN login: a keypad overlay. Resolves with the saved session once the PIN fits the roles.
import { api, ApiError, clearSession, saveSession, session } from './api.js';
import { h } from './dom.js';

// The kiosk logs in again for each guest (a customer session per guest): it keeps the PIN staff
// typed when they set it up, for this browser tab only (web/js/kiosk.js).
export const KIOSK_PIN_KEY = 'edge.kiosk.pin';

export async function ensureSession(roles, title = 'Enter your PIN') {
  const current = session();
  if (current && roles.includes(current.user.role)) return current;
  return pinLogin(roles, title);
}

const LOGOUT_TIMEOUT_MS = 3000;

// Log out ends the session on the box too (its refresh tokens stop working and its live feeds
// close), then forgets it here. An unreachable box cannot be told: the tablet forgets it anyway.
export async function logout() {
  const current = session();
  if (current) {
    const body = current.refresh_token ? { refresh_token: current.refresh_token } : {};
    try {
      await api('/api/v1/auth/logout', { method: 'POST', body, token: current.token, timeoutMs: LOGOUT_TIMEOUT_MS });
    } catch { /* spent, revoked or unreachable: nothing more to end */ }
  }
  clearSession();
  location.reload();
}

function pinLogin(roles, title) {
  return new Promise((resolve) => {
    let pin = '';
    const display = h('div', { class: 'pin-display', 'aria-live': 'polite', 'data-testid': 'pin-display' });
    const error = h('p', { class: 'error', role: 'alert' });
    const show = () => { display.textContent = '\u2022'.repeat(pin.length); };
    const press = (digit) => { if (pin.length < 8) { pin += digit; show(); } };
    const submit = async () => {
      if (pin.length < 4) { error.textContent = 'A PIN has 4 to 8 digits.'; return; }
      try {
        const login = await api('/api/v1/auth/login', { method: 'POST', body: { pin } });
        if (login.user.role === 'customer') {
          sessionStorage.setItem(KIOSK_PIN_KEY, pin);
          if (!roles.includes('customer')) { saveSession(login); location.replace('/kiosk'); return; }
        }
        if (!roles.includes(login.user.role)) {
          throw new ApiError(403, 'forbidden', `${login.user.name} cannot use this screen (needs ${roles.join(' or ')}).`);
        }
        saveSession(login);
        overlay.remove();
        document.removeEventListener('keydown', onKey);
        resolve(login);
      } catch (failure) {
        error.textContent = failure.offline ? 'The box cannot be reached. Try again.' : failure.message;
        pin = ''; show();
      }
    };
    const onKey = (event) => {
      if (/^[0-9]$/.test(event.key)) press(event.key);
      else if (event.key === 'Backspace') { pin = pin.slice(0, -1); show(); }
      else if (event.key === 'Enter') submit();
    };
    const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((d) =>
      h('button', { type: 'button', onclick: () => press(d), 'aria-label': d }, d));
    const overlay = h('div', { class: 'overlay', 'data-testid': 'login' },
      h('div', { class: 'dialog', role: 'dialog', 'aria-modal': 'true', 'aria-label': title },
        h('h2', {}, title), display, error,
        h('div', { class: 'keypad' }, keys,
          h('button', { type: 'button', onclick: () => { pin = ''; show(); error.textContent = ''; } }, 'Clear'),
          h('button', { type: 'button', onclick: () => press('0'), 'aria-label': '0' }, '0'),
          h('button', { type: 'button', class: 'primary', onclick: submit }, 'Enter'))));
    document.addEventListener('keydown', onKey);
    document.body.append(overlay);
  });
}
