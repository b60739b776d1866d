// The kiosk's item dialog: choices by group with their rules in plain words, a quantity, and an
// "Add" that refuses on screen (and says why) what the box would refuse.
import { h, money } from './dom.js';
import { firstProblem, ruleText, toggleChoice } from './kiosk-cart.js';

export function chooseItem(item, currency, onAdd) {
  const chosen = new Map(item.modifier_groups.map((g) => [g.id, new Set()]));
  let quantity = 1;
  const qty = h('strong', { class: 'k-qty', 'data-testid': 'k-quantity' }, '1');
  const price = h('span', { class: 'k-dialog-price', 'data-testid': 'k-line-price' });
  const groups = item.modifier_groups.map((group) => groupView(group, chosen.get(group.id), currency, refresh));
  function refresh() {
    const unit = item.price_cents + item.modifier_groups.flatMap((g) => g.modifiers.filter((m) => chosen.get(g.id).has(m.id)))
      .reduce((sum, m) => sum + m.price_delta_cents, 0);
    qty.textContent = String(quantity);
    price.textContent = money(Math.max(unit, 0) * quantity, currency);
    groups.forEach((g) => g.refresh());
  }
  const close = () => { overlay.remove(); };
  const add = () => {
    groups.forEach((g) => g.say(''));
    const problem = firstProblem(item.modifier_groups, chosen);
    if (problem) {
      const view = groups[item.modifier_groups.indexOf(problem.group)];
      view.say(problem.message);
      view.element.scrollIntoView({ block: 'nearest' });
      return;
    }
    const modifiers = item.modifier_groups.flatMap((g) => g.modifiers.filter((m) => chosen.get(g.id).has(m.id)));
    onAdd({ item, modifiers, quantity });
    close();
  };
  const overlay = h('div', { class: 'overlay kiosk-overlay', 'data-item': item.id },
    h('div', { class: 'dialog k-dialog', role: 'dialog', 'aria-modal': 'true', 'aria-label': item.name, 'data-testid': 'k-item-dialog' },
      h('h2', {}, item.name, ' ', h('span', { class: 'k-muted' }, money(item.price_cents, currency))),
      h('div', { class: 'k-groups' }, groups.map((g) => g.element)),
      h('div', { class: 'k-stepper' }, h('span', {}, 'How many?'),
        h('button', { type: 'button', 'aria-label': 'One less', onclick: () => { quantity = Math.max(1, quantity - 1); refresh(); } }, '\u2212'),
        qty,
        h('button', { type: 'button', 'aria-label': 'One more', onclick: () => { quantity = Math.min(20, quantity + 1); refresh(); } }, '+')),
      h('div', { class: 'k-dialog-actions' },
        h('button', { type: 'button', class: 'k-secondary', onclick: close }, 'Back'),
        h('button', { type: 'button', class: 'primary k-add', 'data-testid': 'k-add', onclick: add }, 'Add to my order \u00b7 ', price))));
  document.body.append(overlay);
  refresh();
  return overlay;
}

function groupView(group, selected, currency, onChange) {
  const problem = h('p', { class: 'k-problem', role: 'alert', 'data-testid': `k-problem-${group.id}` });
  const say = (text) => {
    problem.textContent = text;
    element.classList.toggle('k-wrong', Boolean(text));
  };
  const buttons = group.modifiers.map((m) => h('button', { type: 'button', class: 'k-choice', 'data-modifier': m.id,
    onclick: () => { say(toggleChoice(group, selected, m.id) || ''); onChange(); } },
  h('span', {}, m.name),
  m.price_delta_cents ? h('small', {}, `${m.price_delta_cents > 0 ? '+' : '\u2212'}${money(Math.abs(m.price_delta_cents), currency)}`) : null));
  const element = h('fieldset', { class: 'k-group', 'data-testid': `k-group-${group.id}` },
    h('legend', {}, group.name, ' ', h('span', { class: group.min > 0 ? 'k-rule k-required' : 'k-rule' }, ruleText(group))),
    h('div', { class: 'k-choices' }, buttons), problem);
  return {
    element, say,
    refresh() { buttons.forEach((b) => b.setAttribute('aria-pressed', String(selected.has(b.dataset.modifier)))); },
  };
}
