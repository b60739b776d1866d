// The kiosk's order views, built from the guest's order: its lines, the totals, the checkout,
// "sending", the order number, and a yes/no question. Behaviour comes in as callbacks.
import { h, money } from './dom.js';
import { lineTotal, totals } from './kiosk-cart.js';

export function totalsView(lines, currency) {
  const { subtotal, tax, total } = totals(lines);
  return h('div', { class: 'k-totals', 'data-testid': 'k-totals' },
    h('span', {}, 'Subtotal'), h('span', { 'data-testid': 'k-subtotal' }, money(subtotal, currency)),
    h('span', {}, 'Tax'), h('span', { 'data-testid': 'k-tax' }, money(tax, currency)),
    h('span', { class: 'k-grand' }, 'Total'), h('span', { class: 'k-grand', 'data-testid': 'k-total' }, money(total, currency)));
}

// changeQuantity(line, +1 | -1) when the guest may still change the order, else null.
export function linesView(lines, currency, changeQuantity = null) {
  return h('ul', { class: 'k-lines', 'data-testid': 'k-lines' }, lines.map((line) => h('li', {},
    h('span', { class: 'k-what' }, h('strong', {}, `${line.quantity} \u00d7 ${line.item.name}`),
      line.modifiers.length > 0 && h('small', {}, line.modifiers.map((m) => m.name).join(', '))),
    changeQuantity && h('span', { class: 'k-line-qty' },
      h('button', { type: 'button', 'aria-label': `One less ${line.item.name}`, onclick: () => changeQuantity(line, -1) }, '\u2212'),
      h('button', { type: 'button', 'aria-label': `One more ${line.item.name}`, onclick: () => changeQuantity(line, 1) }, '+')),
    h('span', { class: 'k-amount' }, money(lineTotal(line), currency)))));
}

// The name to call, eat here or to go, the order once more, and "Place my order".
export function checkoutView(guest, currency, { rerender, back, place }) {
  const problem = h('p', { class: 'k-problem', role: 'alert', 'data-testid': 'k-name-problem' });
  const name = h('input', { type: 'text', maxlength: 60, autocomplete: 'off', value: guest.name, 'data-testid': 'k-name',
    'aria-label': 'Your name', oninput: (e) => { guest.name = e.target.value; } });
  const tryPlace = () => {
    if (!guest.name.trim()) { problem.textContent = 'Please type a name so we can call you.'; name.focus(); return; }
    place();
  };
  return h('section', { class: 'k-checkout', 'aria-label': 'Check your order' },
    h('h2', {}, 'Almost done'),
    h('label', { class: 'k-field' }, h('span', {}, 'Your name (we call it when your order is ready)'), name), problem,
    h('div', { class: 'k-segmented', role: 'group', 'aria-label': 'Where will you eat?' }, [['dine_in', 'Eat here'], ['takeout', 'To go']]
      .map(([type, label]) => h('button', { type: 'button', 'aria-pressed': String(guest.type === type),
        onclick: () => { guest.type = type; rerender(); } }, label))),
    linesView(guest.lines, currency), totalsView(guest.lines, currency),
    h('div', { class: 'k-checkout-actions' },
      h('button', { type: 'button', class: 'k-secondary k-big', onclick: back }, 'Back to the menu'),
      h('button', { type: 'button', class: 'primary k-big', 'data-testid': 'k-place', onclick: tryPlace }, 'Place my order')));
}

// "Sending your order…" over the screen, with the name to call: the guest waits here.
export function sendingOverlay(name) {
  const status = h('p', { 'data-testid': 'k-sending-status', 'aria-live': 'polite' }, 'Please wait here a moment.');
  const overlay = h('div', { class: 'overlay kiosk-overlay', 'data-testid': 'k-sending' },
    h('div', { class: 'dialog k-dialog k-center k-sending', role: 'alertdialog', 'aria-modal': 'true', 'aria-label': 'Sending your order' },
      h('div', { class: 'k-spinner', 'aria-hidden': 'true' }),
      h('h2', {}, 'Sending your order\u2026'),
      name && h('p', {}, 'Order for ', h('strong', { 'data-testid': 'k-sending-name' }, name)), status));
  document.body.append(overlay);
  return { overlay, waiting: () => { status.textContent = 'Still sending \u2014 please wait here, your order is saved.'; } };
}

// The box has not answered for a while: the guest goes to the counter with the name on the order,
// which stays on this kiosk and is sent (once) when the box answers; the number shows up here then.
export function counterView(order, currency, finish) {
  return h('section', { class: 'k-thanks k-counter', 'data-testid': 'k-counter', role: 'alert' },
    h('h2', {}, 'Please see us at the counter'),
    h('p', {}, 'Your order has not reached the kitchen yet. It is under the name'),
    h('div', { class: 'k-counter-name', 'data-testid': 'k-counter-name' }, order.name || 'Guest'),
    order.lines.length > 0 && linesView(order.lines, currency),
    order.lines.length > 0 && h('p', { class: 'k-paid' }, 'Total ', h('strong', {}, money(totals(order.lines).total, currency))),
    h('p', { class: 'k-muted' }, 'It is saved on this kiosk and will be sent by itself as soon as the connection is back. '
      + 'Please do not order again.'),
    h('button', { type: 'button', class: 'primary k-big', 'data-testid': 'k-counter-done', onclick: finish }, 'OK'));
}

// The order number, big, and the total the box charged (its own figures, not the kiosk's). An order
// the box took in an earlier session of this kiosk has no number for us: it is in, and we call the name.
export function doneView(order, currency, finish) {
  const numbered = order.number !== undefined;
  return h('section', { class: 'k-thanks', 'data-testid': 'k-done' },
    h('h2', {}, order.customer_name ? `Thank you, ${order.customer_name}!` : 'Thank you!'),
    h('p', {}, numbered ? 'Your order number is' : 'Your order has reached the kitchen.'),
    numbered && h('div', { class: 'k-number', 'data-testid': 'k-order-number' }, String(order.number)),
    numbered && h('p', { class: 'k-paid' }, 'Total ', h('strong', { 'data-testid': 'k-done-total' }, money(order.total_cents, currency))),
    h('p', {}, 'We will call your name when it is ready.'),
    h('button', { type: 'button', class: 'primary k-big', 'data-testid': 'k-new-order', onclick: finish }, 'Done'));
}

// A question with two big answers; resolves true for yes.
export function askGuest(question, yes, no) {
  return new Promise((resolve) => {
    const answer = (value) => { overlay.remove(); resolve(value); };
    const overlay = h('div', { class: 'overlay kiosk-overlay', 'data-testid': 'k-question' },
      h('div', { class: 'dialog k-dialog k-center', role: 'alertdialog', 'aria-modal': 'true', 'aria-label': question },
        h('h2', {}, question),
        h('div', { class: 'k-dialog-actions' },
          h('button', { type: 'button', class: 'k-secondary k-big', onclick: () => answer(false) }, no),
          h('button', { type: 'button', class: 'primary k-big', 'data-testid': 'k-yes', onclick: () => answer(true) }, yes))));
    document.body.append(overlay);
  });
}
