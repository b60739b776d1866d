// The live feed: one WebSocket to the box, resumed after the last seq seen, so a tablet that
// drops off Wi-Fi catches up on what it missed and never applies an event twice.
import { api } from './api.js';

const PING_MS = 10000;   // the box answers each ping, so silence means it is gone
const DEAD_MS = 25000;   // no message for this long: drop the socket and reconnect
const RETRY_MS = [250, 500, 1000, 2000];

export class LiveFeed {
  constructor({ station = null, token, onEvent, onState = () => {}, onResync = () => {},
    onUnauthorized = () => {} }) {
    Object.assign(this, { station, token, onEvent, onState, onResync, onUnauthorized });
    this.lastSeq = 0; this.failures = 0; this.socket = null; this.stopped = true; this.online = false;
  }

  start(afterSeq) {
    this.stop();
    this.lastSeq = afterSeq; this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    this.drop();
  }

  connect() {
    const query = new URLSearchParams({ token: this.token(), after: String(this.lastSeq) });
    if (this.station) query.set('station', this.station);
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(`${scheme}//${location.host}/api/v1/ws?${query}`);
    this.socket = socket;
    socket.onopen = () => {
      this.failures = 0; this.setOnline(true); this.heard();
      this.pinger = setInterval(() => socket.readyState === 1 && socket.send('{"type":"ping"}'), PING_MS);
    };
    socket.onmessage = (message) => { this.heard(); this.receive(message.data); };
    socket.onclose = () => { this.drop(); if (!this.stopped) this.retry(); };
  }

  receive(text) {
    let message;
    try { message = JSON.parse(text); } catch { return; }
    if (message.type === 'resync') { this.stop(); this.onResync(); return; }
    if (typeof message.seq !== 'number' || message.seq <= this.lastSeq) return;
    this.lastSeq = message.seq;
    this.onEvent(message);
  }

  heard() {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => { this.drop(); if (!this.stopped) this.retry(); }, DEAD_MS);
  }

  // Forget the socket without waiting for a close handshake a dead box will never answer.
  drop() {
    clearInterval(this.pinger); clearTimeout(this.watchdog);
    if (this.socket) {
      const socket = this.socket;
      socket.onopen = socket.onmessage = socket.onclose = null;
      if (socket.readyState <= 1) socket.close();
      this.socket = null;
    }
    this.setOnline(false);
  }

  retry() {
    clearTimeout(this.reconnect);
    const delay = RETRY_MS[Math.min(this.failures, RETRY_MS.length - 1)];
    this.failures += 1;
    this.reconnect = setTimeout(() => this.checkThenConnect(), delay);
  }

  // A refused handshake looks like any other failure to a browser: ask whether the token still
  // works before trying again, so an unpaired tablet shows the login instead of spinning.
  async checkThenConnect() {
    if (this.stopped) return;
    if (this.failures > 1) {
      try {
        await api('/api/v1/auth/me', { token: this.token(), timeoutMs: 3000 });
      } catch (error) {
        if (error.status === 401) { this.stop(); this.onUnauthorized(error); return; }
        if (!this.stopped) this.retry();
        return;
      }
    }
    if (!this.stopped) this.connect();
  }

  setOnline(online) {
    if (online !== this.online) { this.online = online; this.onState(online); }
  }
}
