// Talking to the box: sessions (a person's PIN login, or a paired tablet's device token), JSON
// requests in the API's error shape, and an outbox of taps that survives an outage.
import { parseTime } from './dom.js';

const SESSION_KEY = 'edge.session';
const DEVICE_KEY = 'edge.device';

export class ApiError extends Error {
  constructor(status, code, message, details = []) {
    super(message);
    this.status = status; this.code = code; this.details = details;
  }
  get offline() { return this.status === 0; }
}

function readJson(key) {
  try { return JSON.parse(localStorage.getItem(key) || 'null'); } catch { return null; }
}

// One in-memory session object. A refresh updates it in place, so every screen that holds it
// (login.token) uses the new access token without being told.
let current;
let refreshTimer = null;
let refreshing = null;
const REFRESH_EARLY_MS = 60_000;
const REFRESH_RETRY_MS = 15_000;

function sessionUsableUntil(saved) {
  return parseTime(saved.refresh_token ? saved.refresh_expires_at : saved.expires_at);
}

export function session() {
  if (current === undefined) current = readJson(SESSION_KEY);
  if (!current || !(sessionUsableUntil(current) > Date.now())) return null;
  scheduleRefresh();
  return current;
}
export function saveSession(login) {
  current = login;
  localStorage.setItem(SESSION_KEY, JSON.stringify(login));
  scheduleRefresh();
}
export function clearSession() {
  current = null;
  clearTimeout(refreshTimer);
  localStorage.removeItem(SESSION_KEY);
}

// People's access tokens are short-lived; a tablet trades its refresh token for a new pair a
// minute before expiry (and on a 401 'token_expired'), so nobody is sent back to the PIN pad
// mid-shift. Refresh tokens are single-use: only one refresh may be in flight at a time.
function scheduleRefresh() {
  clearTimeout(refreshTimer);
  if (!current || !current.refresh_token) return;
  const left = parseTime(current.expires_at) - Date.now();
  const due = Math.max(left - REFRESH_EARLY_MS, left / 2);  // a short-lived token: at half-life
  refreshTimer = setTimeout(() => {
    refreshSession().catch((failure) => {
      if (failure.offline) refreshTimer = setTimeout(scheduleRefresh, REFRESH_RETRY_MS);
    });
  }, Math.max(due, 0));
}

export function refreshSession() {
  if (!refreshing) {
    refreshing = renew().finally(() => { refreshing = null; });
  }
  return refreshing;
}

async function renew() {
  const saved = current;
  if (!saved || !saved.refresh_token) throw new ApiError(401, 'no_session', 'Log in again.');
  let fresh;
  try {
    fresh = await request('/api/v1/auth/refresh', { method: 'POST', body: { refresh_token: saved.refresh_token } });
  } catch (failure) {
    if (!failure.offline) clearSession();  // spent or revoked: the PIN pad is the only way back
    throw failure;
  }
  Object.assign(saved, fresh);
  if (current === saved) saveSession(saved);
  return saved;
}
export function pairedDevice() { return readJson(DEVICE_KEY); }
export function savePairedDevice(paired) { localStorage.setItem(DEVICE_KEY, JSON.stringify(paired)); }
export function clearPairedDevice() { localStorage.removeItem(DEVICE_KEY); }

export async function api(path, options = {}) {
  try {
    return await request(path, options);
  } catch (failure) {
    const expired = failure.status === 401 && failure.code === 'token_expired';
    if (!expired || !current || options.token !== current.token || !current.refresh_token) throw failure;
    await refreshSession();
    return request(path, { ...options, token: current.token });
  }
}

async function request(path, { method = 'GET', body, token, key, timeoutMs = 8000 } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (key) headers['Idempotency-Key'] = key;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  let response;
  try {
    response = await fetch(path, { method, headers, cache: 'no-store', signal: abort.signal,
      body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'offline', 'The box cannot be reached.');
  } finally {
    clearTimeout(timer);
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (data && data.error) || {};
    throw new ApiError(response.status, error.code || `http_${response.status}`,
      error.message || response.statusText, error.details || []);
  }
  return data;
}

// crypto.randomUUID needs a secure context; a tablet on plain-HTTP box.local is not one.
export function uuid4() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// Taps (bump, item done, complete) go through here: kept in localStorage until the box has
// answered, each with its own Idempotency-Key so a resend after an outage is applied once.
export class Outbox {
  constructor(storageKey, { token, onChange = () => {}, onUnauthorized = () => {}, onRejected = () => {} }) {
    this.storageKey = storageKey; this.token = token;
    this.onChange = onChange; this.onUnauthorized = onUnauthorized; this.onRejected = onRejected;
    this.flushing = null;
  }
  get pending() { return readJson(this.storageKey) || []; }
  save(actions) { localStorage.setItem(this.storageKey, JSON.stringify(actions)); this.onChange(actions.length); }
  push(path) {
    this.save([...this.pending, { path, key: uuid4(), at: new Date().toISOString() }]);
    return this.flush();
  }
  flush() {
    this.flushing = this.flushing || this.sendAll().finally(() => { this.flushing = null; });
    return this.flushing;
  }
  async sendAll() {
    for (;;) {
      const [next] = this.pending;
      if (!next) return true;
      try {
        await api(next.path, { method: 'POST', token: this.token(), key: next.key });
      } catch (error) {
        if (error.offline || error.status >= 500) return false; // keep it, resend on reconnect
        if (error.status === 401) { this.onUnauthorized(error); return false; }
        // 404/409/422: the box has decided (e.g. bumped already from another tablet): drop it,
        // and let the screen undo what it showed in advance.
        this.onRejected(error);
      }
      this.save(this.pending.filter((action) => action.key !== next.key));
    }
  }
}
