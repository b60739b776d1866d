// The order outbox: every order (and every change to one) is written to IndexedDB on this tablet
// BEFORE it is sent, and sent until the box answers, so no order is lost to a dropped Wi-Fi, a
// lost answer, a box restart or a tablet reload. Each entry carries its idempotency key
// (client_order_id for an order, amendment_id for a change), so sending it twice is one order.
// Any page may use it (order entry, the voice panel); a screen that must not share its queue with
// order entry on the same browser (the kiosk) makes its own: new OrderOutbox('edge-kiosk-outbox').
//
//   import { orderOutbox } from './outbox.js';
//   orderOutbox.configure({ token: () => login.token, onUnauthorized });  // once, after login
//   await orderOutbox.send(body);              // POST /api/v1/orders body, with client_order_id
//   await outbox.send(body, owner);            // owner: kept with the entry (the kiosk: whose session)
//   await outbox.reown(key, owner);            // a waiting entry now goes out as someone else
//       token(entry) and onUnauthorized(error, entry) get the entry, so a screen can send each
//       entry in the session that placed it (order entry ignores it: one login, one token)
//   await orderOutbox.addItems(clientOrderId, { amendment_id, items });        // after Send
//   await orderOutbox.voidItems(clientOrderId, { amendment_id, item_ids, reason });
//   await orderOutbox.voidOrder(clientOrderId, key, { reason });   // the whole order
//   const stop = orderOutbox.subscribe((state, change) => ...);
//       state:  { pending: [entry], reachable: true | false | null }   (null: not tried yet)
//       entry:  { key, kind: 'order' | 'add' | 'void' | 'void-order', client_order_id, body, queued_at, tries, owner? }
//       change: { type: 'answered', entry, order } | { type: 'rejected', entry, error } | undefined
//   await orderOutbox.whenAnswered(key);       // -> { order } or { error } once the box decided
//   await orderOutbox.knownOrder(clientOrderId);  // the box's last answer for that order, or null
//
// Only an answer from the box takes an entry out: 2xx (sent; a repeat answers 200 with the same
// order), or 4xx other than 401/403/408/429 (the box refused it, e.g. an 86'd item: reported as
// 'rejected' with the box's message). No answer, a timeout or a 5xx keeps it, and it is resent
// with backoff, when the browser says it is online again, and on flush().
import { api } from './api.js';

const DB_NAME = 'edge-outbox';
const PENDING = 'pending';
const ORDERS = 'orders';
const RETRY_MS = [1000, 2000, 4000, 8000, 10000];
const SEND_TIMEOUT_MS = 10000;
const KEEP_ORDERS = 200; // known answers kept for amendments and the screen; the oldest go first

function request(idbRequest) {
  return new Promise((resolve, reject) => {
    idbRequest.onsuccess = () => resolve(idbRequest.result);
    idbRequest.onerror = () => reject(idbRequest.error);
  });
}

function openDatabase(name) {
  const opening = indexedDB.open(name, 1);
  opening.onupgradeneeded = () => {
    opening.result.createObjectStore(PENDING, { keyPath: 'key' });
    opening.result.createObjectStore(ORDERS, { keyPath: 'client_order_id' });
  };
  return request(opening);
}

const retryable = (error) => error.offline || error.status >= 500 || [408, 429].includes(error.status);
const unauthorized = (error) => error.status === 401 || error.status === 403;

export class OrderOutbox {
  constructor(name = DB_NAME) {
    this.name = name;
    this.configured = false;
    this.db = null;
    this.listeners = new Set();
    this.waiters = new Map();
    this.state = { pending: [], reachable: null };
    this.token = () => null;
    this.onUnauthorized = () => {};
    this.flushing = null;
    this.again = false;
    this.failures = 0;
    this.timer = null;
    this.counter = 0;
    window.addEventListener('online', () => { if (this.configured) this.flush(); });
  }

  configure({ token, onUnauthorized = () => {} }) {
    this.token = token; this.onUnauthorized = onUnauthorized; this.configured = true;
    return this.refresh().then(() => { this.flush(); });
  }

  async database() {
    this.db = this.db || await openDatabase(this.name);
    return this.db;
  }

  async store(name, mode = 'readonly') {
    return (await this.database()).transaction(name, mode).objectStore(name);
  }

  // -- adding ---------------------------------------------------------------------------------
  send(body, owner) {
    return this.enqueue('order', body.client_order_id, body.client_order_id, body, owner);
  }
  addItems(clientOrderId, body) { return this.enqueue('add', body.amendment_id, clientOrderId, body); }
  voidItems(clientOrderId, body) { return this.enqueue('void', body.amendment_id, clientOrderId, body); }
  // POST /orders/{id}/void has no key in its body: its Idempotency-Key header is the entry's key
  voidOrder(clientOrderId, key, body) { return this.enqueue('void-order', key, clientOrderId, body); }

  async enqueue(kind, key, clientOrderId, body, owner) {
    if (!key) throw new Error(`an outbox ${kind} needs its idempotency key`);
    const entry = { key, kind, client_order_id: clientOrderId, body, queued_at: new Date().toISOString(),
      order_in_queue: Date.now() * 1000 + (this.counter++ % 1000), tries: 0, ...(owner ? { owner } : {}) };
    const store = await this.store(PENDING, 'readwrite');
    const existing = await request(store.get(key));
    if (!existing) await request(store.put(entry)); // the same key twice is the same entry
    await this.refresh();
    this.flush();
    return existing || entry;
  }

  async reown(key, owner) {
    const store = await this.store(PENDING, 'readwrite');
    const entry = await request(store.get(key));
    if (entry) await request(store.put({ ...entry, owner }));
    await this.refresh();
  }

  // -- reading --------------------------------------------------------------------------------
  async pending() {
    const entries = await request((await this.store(PENDING)).getAll());
    return entries.sort((a, b) => a.order_in_queue - b.order_in_queue);
  }

  async knownOrder(clientOrderId) {
    const known = await request((await this.store(ORDERS)).get(clientOrderId));
    return known ? known.order : null;
  }

  subscribe(listener) {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }

  whenAnswered(key) {
    return new Promise((resolve) => {
      const list = this.waiters.get(key) || [];
      list.push(resolve);
      this.waiters.set(key, list);
    });
  }

  async refresh(change) {
    this.state = { ...this.state, pending: await this.pending() };
    this.listeners.forEach((listener) => listener(this.state, change));
  }

  setReachable(reachable) {
    if (this.state.reachable === reachable) return;
    this.state = { ...this.state, reachable };
    this.listeners.forEach((listener) => listener(this.state));
  }

  // -- sending --------------------------------------------------------------------------------
  flush() {
    clearTimeout(this.timer);
    if (this.flushing) { this.again = true; return this.flushing; }
    this.flushing = this.drain().finally(() => {
      this.flushing = null;
      if (this.again) { this.again = false; this.flush(); }
    });
    return this.flushing;
  }

  async drain() {
    for (;;) {
      const [next] = await this.pending();
      if (!next || !this.token(next)) return;
      const path = await this.pathOf(next);
      if (path === null) {
        await this.finish(next, { error: { status: 404, code: 'order_not_found', message: 'its order was never taken by the box' } });
        continue;
      }
      try {
        const order = await api(path, { method: 'POST', body: next.body, token: this.token(next), timeoutMs: SEND_TIMEOUT_MS,
          key: next.kind === 'void-order' ? next.key : undefined });
        this.failures = 0;
        this.setReachable(true);
        await this.finish(next, { order });
      } catch (error) {
        if (retryable(error)) { await this.retryLater(next, error); return; }
        if (unauthorized(error)) { this.setReachable(true); this.onUnauthorized(error, next); return; }
        this.setReachable(true);
        await this.finish(next, { error });
      }
    }
  }

  async pathOf(entry) {
    if (entry.kind === 'order') return '/api/v1/orders';
    const order = await this.knownOrder(entry.client_order_id);
    if (!order) return null; // the order itself went first (FIFO): no answer means it was refused
    const id = encodeURIComponent(order.id);
    return { add: `/api/v1/orders/${id}/items`, void: `/api/v1/orders/${id}/items/void`,
      'void-order': `/api/v1/orders/${id}/void` }[entry.kind];
  }

  async retryLater(entry, error) {
    if (error.offline) this.setReachable(false);
    const store = await this.store(PENDING, 'readwrite');
    await request(store.put({ ...entry, tries: entry.tries + 1, last_error: error.message }));
    const delay = RETRY_MS[Math.min(this.failures, RETRY_MS.length - 1)];
    this.failures += 1;
    this.timer = setTimeout(() => this.flush(), delay);
    await this.refresh();
  }

  async finish(entry, outcome) {
    const db = await this.database();
    const tx = db.transaction([PENDING, ORDERS], 'readwrite');
    tx.objectStore(PENDING).delete(entry.key);
    if (outcome.order) {
      tx.objectStore(ORDERS).put({ client_order_id: entry.client_order_id, order: outcome.order, at: Date.now() });
    }
    await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
    if (outcome.order) await this.forgetOldOrders();
    const change = outcome.order ? { type: 'answered', entry, order: outcome.order }
      : { type: 'rejected', entry, error: outcome.error };
    (this.waiters.get(entry.key) || []).forEach((resolve) => resolve(outcome));
    this.waiters.delete(entry.key);
    await this.refresh(change);
  }

  async forgetOldOrders() {
    const store = await this.store(ORDERS, 'readwrite');
    const all = await request(store.getAll());
    if (all.length <= KEEP_ORDERS) return;
    all.sort((a, b) => a.at - b.at).slice(0, all.length - KEEP_ORDERS)
      .forEach((known) => store.delete(known.client_order_id));
  }
}

export const orderOutbox = new OrderOutbox();
