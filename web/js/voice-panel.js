// The voice panel on the order tablet: spoken orders arrive as drafts (voice.draft /
// voice.rejected on the live feed) for a person to Confirm, Edit (into the cart) or Discard.
// A draft is never an order by itself. Confirm puts it in the order outbox (outbox.js) with the
// draft's id (a UUID the box made for the utterance) as its client_order_id: the API takes only
// UUIDs there, so this is the contract's `voice-<draft id>` in the form the box accepts. A second
// tap, a resend or a second tablet confirming the same draft makes one order.
//
// Which drafts show here: those this person asked for (their tablet's microphone or a WAV they
// posted), and, when "Talk button" is on, those of the box's own talk button.
import { h, toast } from './dom.js';
import { orderOutbox } from './outbox.js';
import { recorder } from './voice-recorder.js';

const TALK_BUTTON_KEY = 'edge.voice.talk-button';
const MAX_CARDS = 4;

// The login session (the token's `sid`): the same person on two tablets has two sessions.
function loginSession(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(payload)).sid || null;
  } catch { return null; }
}

export function draftOrderBody(id, draft) {
  return {
    client_order_id: id, type: draft.type, table: draft.type === 'dine_in' ? draft.table : null,
    items: draft.items.map((i) => ({ menu_item_id: i.menu_item_id, quantity: i.quantity,
      modifier_ids: i.modifier_ids, notes: i.notes })),
  };
}

export class VoicePanel {
  // menu(): the current menu; onEdit(id, draft): load it into the cart; onUnauthorized(): log out.
  constructor({ login, menu, onEdit, onUnauthorized, onOrder = () => {} }) {
    Object.assign(this, { login, menu, onEdit, onUnauthorized, onOrder });
    this.cards = new Map();  // utterance id -> card element
    this.status = h('p', { class: 'voice-status', 'data-testid': 'voice-status', 'aria-live': 'polite' });
    this.list = h('div', { class: 'voice-cards', 'data-testid': 'voice-drafts' });
    this.talkButtonToggle = h('button', { type: 'button', 'aria-pressed': String(this.followsTalkButton),
      title: "Also show the box's talk-button drafts here", onclick: () => this.toggleTalkButton() }, 'Talk button');
    this.element = h('section', { class: 'voice-panel', 'aria-label': 'Voice orders', 'data-testid': 'voice-panel' },
      h('div', { class: 'voice-head' }, h('h2', {}, 'Voice'), this.talkControl()),
      h('div', { class: 'voice-foot' }, this.status, this.talkButtonToggle), this.list);
    this.idle();
  }

  get followsTalkButton() { return localStorage.getItem(TALK_BUTTON_KEY) === '1'; }

  toggleTalkButton() {
    localStorage.setItem(TALK_BUTTON_KEY, this.followsTalkButton ? '0' : '1');
    this.talkButtonToggle.setAttribute('aria-pressed', String(this.followsTalkButton));
  }

  addressedHere(requestedBy) {
    if (!requestedBy) return false;
    if (requestedBy.kind === 'user') {
      const mine = loginSession(this.login.token);
      return requestedBy.id === this.login.user.id && (!requestedBy.session || !mine || requestedBy.session === mine);
    }
    return requestedBy.kind === 'device' && this.followsTalkButton;
  }

  onEvent(event) {
    if (!event.type.startsWith('voice.') || !this.addressedHere(event.data.requested_by)) return;
    if (event.type === 'voice.listening') {
      if (event.data.listening) this.setStatus('listening\u2026', 'listening');
      else this.setStatus('thinking\u2026');
    } else if (event.type === 'voice.draft') {
      this.show(event.data, this.draftCard(event.data));
    } else if (event.type === 'voice.rejected') {
      this.show(event.data, this.rejectionCard(event.data));
    }
  }

  show(data, card) {
    if (this.cards.has(data.id)) return;
    this.cards.set(data.id, card);
    this.list.prepend(card);
    this.element.classList.add('has-cards');
    for (const [id, old] of [...this.cards].slice(0, -MAX_CARDS)) { old.remove(); this.cards.delete(id); }
    this.setStatus(`heard in ${Math.round(data.latency_ms)} ms`);
  }

  drop(id) {
    const card = this.cards.get(id);
    if (card) card.remove();
    this.cards.delete(id);
    if (this.cards.size === 0) { this.element.classList.remove('has-cards'); this.idle(); }
  }

  idle() { this.setStatus(this.cards.size ? '' : 'Spoken orders appear here to confirm.'); }

  setStatus(text, kind = '') {
    this.status.textContent = text;
    this.status.className = `voice-status ${kind}`;
  }

  // -- cards --------------------------------------------------------------------------------
  draftCard(data) {
    const { draft } = data;
    const items = new Map(this.menu().items.map((i) => [i.id, i]));
    const lines = draft.items.map((line) => {
      const item = items.get(line.menu_item_id);
      const modifiers = item ? item.modifier_groups.flatMap((g) => g.modifiers) : [];
      const names = line.modifier_ids.map((id) => (modifiers.find((m) => m.id === id) || { name: id }).name);
      return h('li', { class: line.low_confidence ? 'unsure' : '' },
        h('strong', {}, `${line.quantity}\u00d7 ${item ? item.name : line.menu_item_id}`),
        names.length > 0 && h('small', {}, names.join(', ')),
        line.missing.length > 0 && h('small', { class: 'missing' }, `needs ${line.missing.map((m) => m.name).join(', ')}: tap Edit`),
        line.low_confidence && h('small', { class: 'missing' }, `check: heard \u201c${line.heard}\u201d`));
    });
    const confirm = h('button', { type: 'button', class: 'good', 'data-testid': 'voice-confirm',
      disabled: !draft.complete, onclick: () => this.confirm(data, confirm) }, 'Confirm');
    return h('article', { class: 'voice-card', 'data-testid': 'voice-draft', 'data-draft': data.id },
      h('p', { class: 'heard' }, 'Heard: ', h('q', {}, data.text)),
      h('p', { class: 'meta' }, draft.type === 'takeout' ? 'Takeout' : `Table ${draft.table || '\u2014 (none said)'}`),
      h('ul', { class: 'voice-lines' }, lines),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'danger', 'data-testid': 'voice-discard', onclick: () => this.drop(data.id) }, 'Discard'),
        h('button', { type: 'button', 'data-testid': 'voice-edit', onclick: () => { this.onEdit(data.id, draft); this.drop(data.id); } }, 'Edit'),
        confirm));
  }

  rejectionCard(data) {
    const { rejected } = data;
    return h('article', { class: 'voice-card rejected', 'data-testid': 'voice-rejected', 'data-draft': data.id },
      h('p', { class: 'heard' }, 'Heard: ', h('q', {}, data.text || '(nothing)')),
      h('p', { class: 'why' }, `Not understood \u2014 ${rejected.message}. Nothing was ordered; say it again.`),
      h('div', { class: 'actions' },
        h('button', { type: 'button', 'data-testid': 'voice-dismiss', onclick: () => this.drop(data.id) }, 'Dismiss')));
  }

  // Through the order outbox (configured by the order page): kept on this tablet and sent until
  // the box answers, like a typed order; a refusal (an 86'd item) comes back to the cart there.
  async confirm(data, button) {
    button.disabled = true;
    button.textContent = 'Sending\u2026';
    const body = draftOrderBody(data.id, data.draft);
    const answered = orderOutbox.whenAnswered(body.client_order_id);
    try {
      await orderOutbox.send(body);
    } catch (error) {
      toast(`This tablet could not keep the order (${error.message}); tap Confirm again.`, { error: true, ms: 5000 });
      button.disabled = false;
      button.textContent = 'Confirm';
      return;
    }
    this.drop(data.id);
    answered.then(({ order }) => {
      if (order) { toast(`Order #${order.number} sent to the kitchen`); this.onOrder(order); }
    });
  }

  // -- hold to talk from this tablet --------------------------------------------------------
  talkControl() {
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return h('span', { class: 'voice-hint', 'data-testid': 'voice-mic-hint' },
        'Microphone off: this page is not secure (plain http). Use the talk button, or see docs/voice.md to allow it.');
    }
    const button = h('button', { type: 'button', class: 'talk', 'data-testid': 'voice-talk' }, 'Hold to talk');
    let recording = null;
    const start = async (event) => {
      event.preventDefault();
      if (recording) return;
      recording = recorder();
      this.setStatus('listening\u2026', 'listening');
      button.setAttribute('aria-pressed', 'true');
      try { await recording.start(); } catch (error) {
        recording = null; button.setAttribute('aria-pressed', 'false');
        this.setStatus(`Microphone not available: ${error.message}`);
      }
    };
    const stop = async () => {
      if (!recording) return;
      const done = recording; recording = null;
      button.setAttribute('aria-pressed', 'false');
      this.setStatus('thinking\u2026');
      try {
        await this.post(await done.stop());
      } catch (error) {
        if (error.status === 401) { this.onUnauthorized(); return; }
        this.setStatus(error.message);
      }
    };
    button.addEventListener('pointerdown', start);
    for (const type of ['pointerup', 'pointercancel', 'pointerleave']) button.addEventListener(type, stop);
    return button;
  }

  // The answer also arrives as an event; the card is shown once, whichever comes first.
  async post(wav) {
    const response = await fetch('/api/v1/voice/transcriptions', { method: 'POST', body: wav,
      headers: { 'Content-Type': 'audio/wav', Authorization: `Bearer ${this.login.token}` } });
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      const error = new Error((data && data.error && data.error.message) || response.statusText);
      error.status = response.status;
      throw error;
    }
    this.show(data, data.draft ? this.draftCard(data) : this.rejectionCard(data));
  }
}
