// The kiosk's idle timer: after a quiet spell a visible "are you still there?" countdown; a tap
// keeps the guest's order, the end of the countdown hands the kiosk to the next guest.
import { h } from './dom.js';

export class IdleTimer {
  // idleMs: quiet time before asking; countdownS: how long the question waits for a tap.
  // busy(): true while there is nothing to clear (an empty order) or it must not be cleared (sending).
  // ending(): what the countdown ends, in the guest's words ("Your order will be cleared in").
  constructor({ idleMs, countdownS, busy, onTimeout, ending = () => 'Your order will be cleared in' }) {
    Object.assign(this, { idleMs, countdownS, busy, onTimeout, ending });
    this.timer = null; this.ticker = null; this.overlay = null;
    const activity = () => { if (!this.overlay) this.arm(); };
    for (const type of ['pointerdown', 'keydown', 'input']) document.addEventListener(type, activity, { capture: true });
  }

  arm() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.ask(), this.idleMs);
  }

  stop() {
    clearTimeout(this.timer); clearInterval(this.ticker);
    if (this.overlay) { this.overlay.remove(); this.overlay = null; }
  }

  ask() {
    if (this.busy()) { this.arm(); return; }
    let left = this.countdownS;
    const seconds = h('strong', { class: 'k-countdown', 'data-testid': 'k-countdown' }, String(left));
    const stay = () => { this.stop(); this.arm(); };
    this.overlay = h('div', { class: 'overlay kiosk-overlay', 'data-testid': 'k-still-there', onclick: stay },
      h('div', { class: 'dialog k-dialog k-center', role: 'alertdialog', 'aria-modal': 'true', 'aria-label': 'Are you still there?' },
        h('h2', {}, 'Are you still there?'),
        h('p', {}, this.ending()), seconds, h('p', {}, 'seconds.'),
        h('button', { type: 'button', class: 'primary k-big', 'data-testid': 'k-stay', onclick: stay }, "I'm still here")));
    document.body.append(this.overlay);
    this.ticker = setInterval(() => {
      left -= 1;
      seconds.textContent = String(Math.max(left, 0));
      if (left <= 0) { this.stop(); this.onTimeout(); }
    }, 1000);
  }
}
