// Choosing one menu item: its modifier groups within their min/max (a single-choice group swaps,
// Add stays disabled until every required group has its choices), a quantity and a note.
// onAdd({ item, modifiers, quantity, notes }) gets the line.
import { h, money } from './dom.js';

export function chooseItem(item, currency, onAdd) {
  const chosen = new Map(item.modifier_groups.map((g) => [g.id, new Set()]));
  let quantity = 1;
  const notes = h('input', { type: 'text', maxlength: 500, placeholder: 'e.g. allergy: nuts' });
  const qty = h('strong', { 'data-testid': 'quantity' }, '1');
  const add = h('button', { type: 'button', class: 'primary', 'data-testid': 'add-to-order' }, 'Add to order');
  const groups = item.modifier_groups.map((group) => groupView(group, chosen.get(group.id), refresh, currency));
  function refresh() {
    add.disabled = item.modifier_groups.some((g) => chosen.get(g.id).size < g.min);
    qty.textContent = String(quantity);
    groups.forEach((g) => g.refresh());
  }
  const close = () => overlay.remove();
  add.addEventListener('click', () => {
    const modifiers = item.modifier_groups.flatMap((g) => g.modifiers.filter((m) => chosen.get(g.id).has(m.id)));
    close();
    onAdd({ item, modifiers, quantity, notes: notes.value.trim() || null });
  });
  const overlay = h('div', { class: 'overlay' }, h('div', { class: 'dialog', role: 'dialog', 'aria-label': item.name },
    h('h2', {}, `${item.name} \u00b7 ${money(item.price_cents, currency)}`),
    groups.map((g) => g.element),
    h('div', { class: 'stepper' }, h('span', {}, 'Quantity'),
      h('button', { type: 'button', 'aria-label': 'One less', onclick: () => { quantity = Math.max(1, quantity - 1); refresh(); } }, '\u2212'),
      qty, h('button', { type: 'button', 'aria-label': 'One more', onclick: () => { quantity = Math.min(99, quantity + 1); refresh(); } }, '+')),
    h('label', {}, h('span', {}, 'Notes for the kitchen'), notes),
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: close }, 'Cancel'), add)));
  document.body.append(overlay);
  refresh();
}

// One modifier group: at most `max` choices (a single-choice group swaps), at least `min` to add.
function groupView(group, selected, onChange, currency) {
  const rule = group.min === group.max ? `choose ${group.min}` : `choose ${group.min} to ${group.max}`;
  const buttons = group.modifiers.map((m) => h('button', { type: 'button', 'data-modifier': m.id, onclick: () => {
    if (selected.has(m.id)) selected.delete(m.id);
    else if (group.max === 1) { selected.clear(); selected.add(m.id); }
    else if (selected.size < group.max) selected.add(m.id);
    onChange();
  } }, m.name, m.price_delta_cents ? ` (${m.price_delta_cents > 0 ? '+' : ''}${money(m.price_delta_cents, currency)})` : ''));
  return {
    element: h('fieldset', { class: 'group' }, h('legend', {}, `${group.name} (${rule})`), h('div', { class: 'choices' }, buttons)),
    refresh() {
      buttons.forEach((b) => {
        const on = selected.has(b.dataset.modifier);
        b.setAttribute('aria-pressed', String(on));
        b.disabled = !on && group.max > 1 && selected.size >= group.max;
      });
    },
  };
}
